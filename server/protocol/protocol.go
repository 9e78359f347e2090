// Package protocol declares the live protocol's messages, limits and close
// codes (docs/protocol.md is the spec), once, for the server's live hub, the
// load tool, the relay and the tests. It does no I/O.
package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// Message types, server to client.
const (
	TypeWelcome  = "welcome"
	TypeSnapshot = "snapshot"
	TypeEvent    = "event"
	TypeAck      = "ack"
	TypeError    = "error"
	TypePresence = "presence"
	TypePong     = "pong"
	TypeSegments = "segments"
	TypeSegment  = "segment"
	TypeNotes    = "notes"
	// TypeLink is sent only by a relay (parley relay): the state of its
	// link to the main server.
	TypeLink = "link"
)

// Message types, client to server.
const (
	TypeCommand    = "command"
	TypePing       = "ping"
	TypeTranscript = "transcript"
	TypeCaption    = "caption"
	TypeCorrect    = "correct"
)

// Close codes the server uses: RFC 6455's and the protocol's own.
const (
	CloseGoingAway     = 1001
	CloseMessageTooBig = 1009
	CloseTokenExpired  = 4001
	CloseTokenRevoked  = 4003
	CloseRoomGone      = 4004
	CloseTooSlow       = 4008
	// CloseDraining: the node is stopping while others go on; reconnect
	// at once (to another node, through the load balancer) with after.
	CloseDraining = 4009
)

// Limits of the protocol.
const (
	// MaxFrame bounds what a client may send in one message.
	MaxFrame = 16 << 10
	// MaxChannels bounds the languages one client follows at once.
	MaxChannels = 8
	// DefaultBacklog is how many recent segments a new channel sends;
	// MaxBacklog is the most a client may ask for.
	DefaultBacklog = 500
	MaxBacklog     = 10000
	// CodeBadFrame and CodeRateLimited are the protocol's own error codes,
	// beside those of the HTTP API.
	CodeBadFrame    = "bad_frame"
	CodeRateLimited = "rate_limited"
)

// Welcome is the first message of every connection.
type Welcome struct {
	Type       string    `json:"type"`
	Room       string    `json:"room"`
	You        You       `json:"you"`
	ServerTime time.Time `json:"server_time"`
	Budget     Budget    `json:"budget"`
}

// Budget is what one person may send, over HTTP and live together: a
// client that paces itself within it (the captioner console pasting a long
// text) is never refused for rate.
type Budget struct {
	PerSecond float64 `json:"per_second"`
	Burst     float64 `json:"burst"`
}

// You is who the server takes the client to be.
type You struct {
	rooms.Speaker
	Role string `json:"role"`
	// Lang is the one language a captioner's token lets them write.
	Lang string `json:"lang,omitempty"`
}

// Snapshot is the room as a client starts from.
type Snapshot struct {
	Type     string         `json:"type"`
	Snapshot rooms.Snapshot `json:"snapshot"`
}

// Event is one log entry with the parts of the snapshot it changed.
type Event struct {
	Type    string         `json:"type"`
	Seq     uint64         `json:"seq"`
	Event   rooms.Event    `json:"event"`
	Changes map[string]any `json:"changes"`
}

// Ack answers a request that was applied.
type Ack struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Seq  uint64 `json:"seq"`
	// Segment is the segment a caption or correction changed.
	Segment *rooms.Segment `json:"segment,omitempty"`
}

// Segment is one change of a transcript segment.
type Segment struct {
	Type    string        `json:"type"`
	Lang    string        `json:"lang"`
	Seq     uint64        `json:"seq"`
	Segment rooms.Segment `json:"segment"`
}

// Segments is a channel's recent segments, or those a client missed.
type Segments struct {
	Type     string          `json:"type"`
	Lang     string          `json:"lang"`
	Seq      uint64          `json:"seq"`
	Segments []rooms.Segment `json:"segments"`
}

// Error refuses a request or a frame; the connection stays open.
type Error struct {
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Params word the error in the reader's language, as the HTTP API's
	// error params do.
	Params map[string]any `json:"params,omitempty"`
}

// Pong answers a ping.
type Pong struct {
	Type       string    `json:"type"`
	ID         string    `json:"id,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

// Notes is a reader's own notes to the chair on their pending requests, by
// request id, which the public view of the queue leaves out (rooms.View).
type Notes struct {
	Type  string            `json:"type"`
	Notes map[string]string `json:"notes"`
}

// Presence is who is connected to the room, over every node.
type Presence struct {
	Type     string         `json:"type"`
	Presence rooms.Presence `json:"presence"`
}

// Link is a relay's link to the main server: up or down, since when (the
// relay's clock). A relay sends it after welcome and whenever it changes;
// while the link is down the room's state is as of the last seq received.
type Link struct {
	Type  string    `json:"type"`
	Up    bool      `json:"up"`
	Since time.Time `json:"since"`
	// Queued is how many commands wait to be sent upstream.
	Queued int `json:"queued"`
}

// ClientMessage is anything a client sends; which fields matter depends on
// Type.
type ClientMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Command json.RawMessage `json:"command,omitempty"`
	// transcript: the languages to follow, where each left off, and how
	// many recent segments a new channel sends.
	Langs   []string          `json:"langs,omitempty"`
	After   map[string]uint64 `json:"after,omitempty"`
	Backlog int               `json:"backlog,omitempty"`
	// caption and correct: the captioner's line.
	Lang    string `json:"lang,omitempty"`
	Text    string `json:"text,omitempty"`
	Final   bool   `json:"final,omitempty"`
	Segment uint64 `json:"segment,omitempty"`
}

// DecodeClient parses one client frame; its error says, for the client,
// why the frame is not a protocol message.
func DecodeClient(data []byte) (ClientMessage, error) {
	var m ClientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("malformed JSON: %v", err)
	}
	if m.Type == "" {
		return m, errors.New(`message has no type: send {"type":"command",...} or {"type":"ping"}`)
	}
	return m, nil
}

// ServerMessage is any server message as a client reads it: which fields
// are set depends on Type.
type ServerMessage struct {
	Type       string                     `json:"type"`
	ID         string                     `json:"id"`
	Seq        uint64                     `json:"seq"`
	Code       string                     `json:"code"`
	Params     map[string]any             `json:"params"`
	Message    string                     `json:"message"`
	Room       string                     `json:"room"`
	You        *You                       `json:"you"`
	ServerTime time.Time                  `json:"server_time"`
	Budget     *Budget                    `json:"budget"`
	Snapshot   *rooms.Snapshot            `json:"snapshot"`
	Event      *rooms.Event               `json:"event"`
	Changes    map[string]json.RawMessage `json:"changes"`
	Presence   *rooms.Presence            `json:"presence"`
	Lang       string                     `json:"lang"`
	Segments   []rooms.Segment            `json:"segments"`
	Segment    *rooms.Segment             `json:"segment"`
	Notes      map[string]string          `json:"notes"`
	Up         bool                       `json:"up"`
	Since      time.Time                  `json:"since"`
	Queued     int                        `json:"queued"`
}
