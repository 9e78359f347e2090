package server

import (
	"encoding/json"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// Messages of the live protocol (docs/protocol.md).

type welcomeMsg struct {
	Type       string    `json:"type"`
	Room       string    `json:"room"`
	You        you       `json:"you"`
	ServerTime time.Time `json:"server_time"`
}

type you struct {
	rooms.Speaker
	Role string `json:"role"`
	// Lang is the one language a captioner's token lets them write.
	Lang string `json:"lang,omitempty"`
}

type snapshotMsg struct {
	Type     string         `json:"type"`
	Snapshot rooms.Snapshot `json:"snapshot"`
}

type eventMsg struct {
	Type    string         `json:"type"`
	Seq     uint64         `json:"seq"`
	Event   rooms.Event    `json:"event"`
	Changes map[string]any `json:"changes"`
}

type ackMsg struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Seq  uint64 `json:"seq"`
	// Segment is the segment a caption or correction changed.
	Segment *rooms.Segment `json:"segment,omitempty"`
}

type segmentMsg struct {
	Type    string        `json:"type"`
	Lang    string        `json:"lang"`
	Seq     uint64        `json:"seq"`
	Segment rooms.Segment `json:"segment"`
}

type segmentsMsg struct {
	Type     string          `json:"type"`
	Lang     string          `json:"lang"`
	Seq      uint64          `json:"seq"`
	Segments []rooms.Segment `json:"segments"`
}

type errorMsg struct {
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type pongMsg struct {
	Type       string    `json:"type"`
	ID         string    `json:"id,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

type presenceMsg struct {
	Type     string         `json:"type"`
	Presence rooms.Presence `json:"presence"`
}

// clientMsg is anything a client sends; which fields matter depends on Type.
type clientMsg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Command json.RawMessage `json:"command"`
	// transcript: the languages to follow, where each left off, and how
	// many recent segments a new channel sends.
	Langs   []string          `json:"langs"`
	After   map[string]uint64 `json:"after"`
	Backlog int               `json:"backlog"`
	// caption and correct: the captioner's line.
	Lang    string `json:"lang"`
	Text    string `json:"text"`
	Final   bool   `json:"final"`
	Segment uint64 `json:"segment"`
}

func mustJSON(v any) []byte {
	// The protocol's types always marshal.
	b, _ := json.Marshal(v)
	return b
}
