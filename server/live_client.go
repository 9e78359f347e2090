package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

const (
	// sendQueue is how many messages a client may fall behind before it is
	// disconnected: enough for a burst of chair actions and a join's
	// backlog, while a stalled client's memory stays bounded.
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

// client is one live connection. Its reader is the one goroutine it always
// has. Messages wait in a bounded queue that a writer goroutine, started
// only while there is something to send, drains: a slow client falls behind
// alone instead of slowing its room, and an idle one costs no goroutine but
// its reader.
type client struct {
	conn *websocket.Conn
	room string
	who  rooms.Participant
	log  *slog.Logger // the server's; logger() adds the connection's fields

	mu    sync.Mutex
	queue []*websocket.PreparedMessage
	// limit is sendQueue beyond the backlog a join or resume queued.
	limit   int
	writing bool // a writer goroutine is draining queue
	// closing is set once, by kick; flush reads it between writes.
	closing atomic.Bool
	// readerDone closes when readLoop returns.
	readerDone chan struct{}
	ping       *time.Timer

	commands *bucket // rate of commands and caption lines

	// transcripts are the channels the client follows, by language. Only
	// the reader goroutine touches it.
	transcripts map[string]*feed
}

func newClient(conn *websocket.Conn, room string, who rooms.Participant, log *slog.Logger) *client {
	c := &client{
		conn: conn, room: room, who: who, log: log, readerDone: make(chan struct{}), limit: sendQueue,
		commands: newBucket(commandRate, commandBurst, time.Now()), transcripts: map[string]*feed{},
	}
	c.ping = time.AfterFunc(pingEvery, c.sendPing)
	return c
}

func (c *client) logger() *slog.Logger {
	return c.log.With("room", c.room, "participant", c.who.Sub)
}

// enqueue queues pm without blocking; a client whose queue is full has
// fallen behind and is disconnected.
func (c *client) enqueue(pm *websocket.PreparedMessage) {
	c.mu.Lock()
	if c.closing.Load() {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.limit {
		c.mu.Unlock()
		c.kick(closeTooSlow, "too slow: fell behind")
		return
	}
	c.queue = append(c.queue, pm)
	c.startWriting()
	c.mu.Unlock()
}

// enqueueBacklog queues what a joining or resuming client missed, however
// long: the entries are shared with every other client, and the client may
// still fall sendQueue messages behind on top of them.
func (c *client) enqueueBacklog(pms []*websocket.PreparedMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() || len(pms) == 0 {
		return
	}
	c.queue = append(c.queue, pms...)
	c.limit = len(c.queue) + sendQueue
	c.startWriting()
}

// startWriting starts a writer if none runs. The caller holds c.mu.
func (c *client) startWriting() {
	if !c.writing {
		c.writing = true
		go c.flush()
	}
}

// reply queues one message of the client's own.
func (c *client) reply(v any) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, mustJSON(v))
	if err == nil {
		c.enqueue(pm)
	}
}

// flush writes queued messages until the queue is empty, then ends.
func (c *client) flush() {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue, c.limit = nil, sendQueue
		if len(batch) == 0 || c.closing.Load() {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		for _, pm := range batch {
			if c.closing.Load() {
				break // the close frame goes next
			}
			if err := c.conn.WritePreparedMessage(pm); err != nil {
				c.mu.Lock()
				c.writing = false
				c.mu.Unlock()
				c.kick(websocket.CloseAbnormalClosure, "write failed")
				return
			}
		}
	}
}

// sendPing keeps the connection's liveness checked; the reader's deadline
// ends a connection whose peer stopped answering.
func (c *client) sendPing() {
	if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
		c.kick(websocket.CloseAbnormalClosure, "ping failed")
		return
	}
	c.ping.Reset(pingEvery)
}

// kick closes the connection with code and reason, once: queued messages
// are dropped, the close frame is sent (control frames may be written
// alongside a data write) and the peer gets a moment to answer it.
func (c *client) kick(code int, reason string) {
	c.mu.Lock()
	if c.closing.Load() {
		c.mu.Unlock()
		return
	}
	c.closing.Store(true)
	c.queue = nil
	c.mu.Unlock()
	c.ping.Stop()
	go func() {
		if code != websocket.CloseAbnormalClosure {
			c.closeGracefully(code, reason)
		}
		c.conn.Close()
	}()
}

// closeGracefully sends the close frame and gives the peer a moment to answer
// it. Whatever the peer still sends is drained: closing a socket with unread
// data resets it, and the peer would never read why it was closed.
func (c *client) closeGracefully(code int, reason string) {
	msg := websocket.FormatCloseMessage(code, reason)
	// A write in progress holds the connection until it ends; a slow peer
	// gets as long to take the close frame as it had for that write.
	// ErrCloseSent: gorilla itself closed with 1009 on an oversized frame.
	err := c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
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
		if !c.commands.take(time.Now()) {
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
		c.reply(errorMsg{Type: "error", ID: m.ID, Code: "bad_frame", Message: "unknown message type " + strconv.Quote(m.Type) + ": send command, transcript, caption, correct or ping"})
	}
}

func (c *client) command(ctx context.Context, s *Server, m clientMsg) {
	if !c.commands.take(time.Now()) {
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
		c.logger().ErrorContext(ctx, "live request failed", "what", what, "err", err)
		msg = "the server could not complete the request; it has been logged"
	}
	c.reply(errorMsg{Type: "error", ID: id, Code: code, Message: msg})
}
