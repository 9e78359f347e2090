package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

const (
	// sendQueue is how many messages a client may fall behind before it is
	// disconnected: enough for a burst of chair actions, small enough that
	// thousands of idle clients cost little.
	sendQueue = 64
	// maxFrame bounds what a client may send in one message.
	maxFrame  = 16 << 10
	writeWait = 10 * time.Second
	pingEvery = 25 * time.Second
	pongWait  = 60 * time.Second
	// closeGrace is how long a closing connection waits for the peer.
	closeGrace = time.Second
	// Commands a client may send per second, with a burst allowance, so
	// one client's flood cannot monopolise its room.
	commandRate  = 10
	commandBurst = 20
)

// Close codes of the live protocol beyond RFC 6455's.
const (
	closeTokenExpired = 4001
	closeRoomGone     = 4004
	closeTooSlow      = 4008
)

// outgoing is one queued message: a prepared broadcast or a client's own.
type outgoing struct {
	prepared *websocket.PreparedMessage
	data     []byte
}

// client is one live connection. Its reader runs in the HTTP handler's
// goroutine and its writer in one more: the writer is what lets a slow
// client fall behind alone instead of slowing its room.
type client struct {
	conn *websocket.Conn
	room string
	who  rooms.Participant
	log  *slog.Logger

	send chan outgoing
	done chan struct{}
	// readerDone closes when readLoop returns.
	readerDone chan struct{}
	once       sync.Once
	// why the connection is being closed, set once before done closes.
	closeCode   int
	closeReason string

	tokens    float64 // command rate limiter
	lastToken time.Time

	// transcripts are the channels the client follows, by language. Only
	// the connection's handler goroutine touches it.
	transcripts map[string]*feed
}

func newClient(conn *websocket.Conn, room string, who rooms.Participant, log *slog.Logger) *client {
	return &client{
		conn: conn, room: room, who: who, log: log,
		send: make(chan outgoing, sendQueue), done: make(chan struct{}), readerDone: make(chan struct{}),
		tokens: commandBurst, lastToken: time.Now(), transcripts: map[string]*feed{},
	}
}

// enqueue queues m without blocking; a client whose queue is full has
// fallen behind and is disconnected.
func (c *client) enqueue(m outgoing) {
	select {
	case c.send <- m:
	default:
		c.kick(closeTooSlow, "too slow: fell behind")
	}
}

// kick asks the writer to close the connection with code and reason.
func (c *client) kick(code int, reason string) {
	c.once.Do(func() {
		c.closeCode, c.closeReason = code, reason
		close(c.done)
	})
}

// writeLoop sends queued messages and pings until the client is kicked or a
// write fails.
func (c *client) writeLoop() {
	ping := time.NewTicker(pingEvery)
	defer func() {
		ping.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case m := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			var err error
			if m.prepared != nil {
				err = c.conn.WritePreparedMessage(m.prepared)
			} else {
				err = c.conn.WriteMessage(websocket.TextMessage, m.data)
			}
			if err != nil {
				c.kick(websocket.CloseAbnormalClosure, "write failed")
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.kick(websocket.CloseAbnormalClosure, "ping failed")
				return
			}
		case <-c.done:
			if c.closeCode != websocket.CloseAbnormalClosure {
				c.closeGracefully()
			}
			return
		}
	}
}

// closeGracefully sends the close frame and gives the peer a moment to answer
// it. Whatever the peer still sends is drained: closing a socket with unread
// data resets it, and the peer would never read why it was closed.
func (c *client) closeGracefully() {
	msg := websocket.FormatCloseMessage(c.closeCode, c.closeReason)
	// ErrCloseSent: gorilla itself closed with 1009 on an oversized frame.
	err := c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		return
	}
	select {
	case <-c.readerDone:
	case <-time.After(closeGrace):
		return
	}
	raw := c.conn.NetConn()
	raw.SetReadDeadline(time.Now().Add(closeGrace))
	io.Copy(io.Discard, raw)
}

// readLoop handles the client's messages until the connection ends.
func (c *client) readLoop(ctx context.Context, s *Server) {
	defer close(c.readerDone)
	c.conn.SetReadLimit(maxFrame)
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.kick(websocket.CloseMessageTooBig, "message larger than 16 KiB")
			} else {
				c.kick(websocket.CloseAbnormalClosure, "read failed")
			}
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(pongWait))
		c.handle(ctx, s, data)
	}
}

func (c *client) handle(ctx context.Context, s *Server, data []byte) {
	var m clientMsg
	if err := decodeClientMsg(data, &m); err != nil {
		c.reply(errorMsg{Type: "error", Code: "bad_frame", Message: err.Error()})
		return
	}
	switch m.Type {
	case "ping":
		c.reply(pongMsg{Type: "pong", ID: m.ID, ServerTime: time.Now()})
	case "command":
		c.command(ctx, s, m)
	case "transcript":
		if err := s.hub.followTranscripts(ctx, c, m); err != nil {
			c.fail(ctx, m.ID, "", err)
			return
		}
		c.reply(ackMsg{Type: "ack", ID: m.ID})
	case "caption", "correct":
		if !c.allowCommand(time.Now()) {
			c.reply(errorMsg{Type: "error", ID: m.ID, Code: "rate_limited", Message: "too many lines: slow down"})
			return
		}
		seg, err := c.caption(ctx, s, m)
		if err != nil {
			c.fail(ctx, m.ID, m.Type, err)
			return
		}
		c.reply(ackMsg{Type: "ack", ID: m.ID, Seq: seg.Seq, Segment: &seg})
	default:
		c.reply(errorMsg{Type: "error", ID: m.ID, Code: "bad_frame", Message: "unknown message type " + quote(m.Type) + ": send command, transcript, caption, correct or ping"})
	}
}

func (c *client) command(ctx context.Context, s *Server, m clientMsg) {
	if !c.allowCommand(time.Now()) {
		c.reply(errorMsg{Type: "error", ID: m.ID, Code: "rate_limited", Message: "too many commands: slow down"})
		return
	}
	cmd, err := rooms.DecodeCommand(m.Command)
	if err == nil {
		var res rooms.Result
		if res, err = s.rooms.Execute(ctx, c.room, c.who, cmd); err == nil {
			c.reply(ackMsg{Type: "ack", ID: m.ID, Seq: res.Seq})
			return
		}
	}
	c.fail(ctx, m.ID, cmd.Type, err)
}

// fail answers request id with err's code; server faults are logged and
// answered without internals.
func (c *client) fail(ctx context.Context, id, what string, err error) {
	status, code := classify(err)
	msg := err.Error()
	if status >= 500 {
		c.log.ErrorContext(ctx, "live request failed", "what", what, "err", err)
		msg = "the server could not complete the request; it has been logged"
	}
	c.reply(errorMsg{Type: "error", ID: id, Code: code, Message: msg})
}

// allowCommand is a token bucket: commandRate a second, commandBurst at once.
func (c *client) allowCommand(now time.Time) bool {
	c.tokens = min(commandBurst, c.tokens+now.Sub(c.lastToken).Seconds()*commandRate)
	c.lastToken = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

func (c *client) reply(v any) { c.enqueue(outgoing{data: mustJSON(v)}) }
