package live

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

const (
	// sendQueue is how many of the room's messages a client may fall
	// behind before it is disconnected: enough for a burst of chair actions
	// and a join's backlog, while a stalled client's memory stays bounded.
	// It also bounds the answers to the client's own messages waiting to
	// go: beyond it, the client's next message is read once they have gone.
	sendQueue = 64
	// writeWait is Config.WriteWait's default.
	writeWait = 10 * time.Second
	pingEvery = 25 * time.Second
	pongWait  = 60 * time.Second
	// closeGrace is how long a closing connection waits for the peer.
	closeGrace = time.Second
)

// client is one live connection. Its reader is the one goroutine it always
// has. Messages wait in a bounded queue that a writer goroutine, started
// only while there is something to send, drains: a slow client falls behind
// alone instead of slowing its room, and an idle one costs no goroutine but
// its reader. Every write, the close frame included, happens on the writer,
// so none waits for another.
type client struct {
	hub  *Hub
	conn *websocket.Conn
	room string
	who  rooms.Participant
	// full says the client receives the chair's view of personal data.
	full    bool
	expires time.Time
	token   string // the jti, for revocations

	mu    sync.Mutex
	queue []*websocket.PreparedMessage
	// replies counts the messages in queue that answer the client's own
	// (acks, errors, pongs). They never count towards limit: a client that
	// sends a burst is not dropped for being answered, its reader waits
	// for room instead (awaitRoom), and its own sending slows.
	replies int
	// drained is signalled, under mu, when the writer takes the queue and
	// when the client is kicked.
	drained *sync.Cond
	// limit is sendQueue beyond the backlog a join or resume queued.
	limit   int
	writing bool // a writer goroutine runs
	pingDue bool
	// timer sends pings and ends the connection when the token expires.
	timer *time.Timer
	// closeCode and closeReason are set once, by kick, with closing.
	closeCode   int
	closeReason string
	// transcripts are the channels the client follows, by language.
	transcripts map[string]*feed

	closing    atomic.Bool
	readerDone chan struct{} // closed when read returns
}

func newClient(h *Hub, conn *websocket.Conn, s Session) *client {
	c := &client{
		hub: h, conn: conn, room: s.Room, who: s.Who, full: rooms.ViewOf(s.Who).Full(), expires: s.Expires, token: s.Token,
		limit: sendQueue, readerDone: make(chan struct{}), transcripts: map[string]*feed{},
	}
	c.drained = sync.NewCond(&c.mu)
	return c
}

func (c *client) logger() *slog.Logger {
	return c.hub.log.With("room", c.room, "participant", c.who.Sub)
}

// enqueue queues one of the room's messages without blocking; a client
// whose queue is full has fallen behind and is disconnected.
func (c *client) enqueue(pm *websocket.PreparedMessage) { c.push(pm, false) }

// push queues pm; own says it answers the client's own message, which
// awaitRoom bounds instead of limit.
func (c *client) push(pm *websocket.PreparedMessage, own bool) {
	if pm == nil {
		return
	}
	c.mu.Lock()
	if c.closing.Load() {
		c.mu.Unlock()
		return
	}
	if !own && len(c.queue)-c.replies >= c.limit {
		c.mu.Unlock()
		c.kick(protocol.CloseTooSlow, "too slow: fell behind")
		return
	}
	c.queue = append(c.queue, pm)
	if own {
		c.replies++
	}
	c.startWriting()
	c.mu.Unlock()
}

// awaitRoom returns once fewer than sendQueue answers wait to go, or the
// client is kicked: the reader takes the next message only then, so a
// burst of messages (a pasted text over the person's rate, a flood of bad
// frames) holds at most sendQueue answers queued besides those being
// written, and slows the sender down to what it reads. One that never
// reads is dropped when a write times out (Config.WriteWait).
func (c *client) awaitRoom() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.replies >= sendQueue && !c.closing.Load() {
		c.drained.Wait()
	}
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
	c.limit = len(c.queue) - c.replies + sendQueue
	c.startWriting()
}

// reply queues one message of the client's own.
func (c *client) reply(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.logger().Error("encode live reply", "err", err)
		return
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err == nil {
		c.push(pm, true)
	}
}

// startWriting starts a writer if none runs. The caller holds c.mu.
func (c *client) startWriting() {
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

// write sends what is queued until nothing is, then ends; once the client
// is kicked it closes the connection instead.
func (c *client) write() {
	for {
		c.mu.Lock()
		if c.closing.Load() {
			c.mu.Unlock()
			c.finish()
			return
		}
		batch, ping := c.queue, c.pingDue
		c.queue, c.pingDue, c.limit, c.replies = nil, false, sendQueue, 0
		c.drained.Broadcast()
		if len(batch) == 0 && !ping {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if ping {
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.hub.writeWait)); err != nil {
				c.kick(websocket.CloseAbnormalClosure, "ping failed")
				continue
			}
		}
		for _, pm := range batch {
			if c.closing.Load() {
				break // the close frame goes next
			}
			// Each write gets its own deadline, so a kick's close frame
			// is never left behind an old one.
			c.conn.SetWriteDeadline(time.Now().Add(c.hub.writeWait))
			if err := c.conn.WritePreparedMessage(pm); err != nil {
				c.kick(websocket.CloseAbnormalClosure, "write failed")
				break
			}
			c.hub.stamps.wrote(pm)
		}
	}
}

// startTimer arms the client's one timer: the next ping, or the token's
// expiry if that comes first.
func (c *client) startTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing.Load() {
		c.timer = time.AfterFunc(c.untilTick(), c.tick)
	}
}

func (c *client) untilTick() time.Duration {
	if c.expires.IsZero() {
		return pingEvery
	}
	return min(pingEvery, time.Until(c.expires))
}

// tick ends the connection of an expired token, or has the writer send a
// ping: the reader's deadline ends a connection whose peer stopped
// answering them.
func (c *client) tick() {
	if !c.expires.IsZero() && !time.Now().Before(c.expires) {
		c.kick(protocol.CloseTokenExpired, "token expired")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return
	}
	c.pingDue = true
	c.startWriting()
	c.timer.Reset(c.untilTick())
}

// kick closes the connection with code and reason, once: queued messages
// are dropped and the writer sends the close frame after the write in
// progress, if any. That write may be stalled on a peer that stopped
// reading: it gets Config.WriteWait from now, so a client dropped for being slow
// can still read why; an abnormal closure abandons it at once.
func (c *client) kick(code int, reason string) {
	c.mu.Lock()
	if c.closing.Load() {
		c.mu.Unlock()
		return
	}
	c.closing.Store(true)
	c.closeCode, c.closeReason = code, reason
	c.queue, c.replies = nil, 0
	c.drained.Broadcast()
	if c.timer != nil {
		c.timer.Stop()
	}
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	deadline := time.Now().Add(c.hub.writeWait)
	if code == websocket.CloseAbnormalClosure {
		deadline = time.Now()
	}
	c.conn.NetConn().SetWriteDeadline(deadline)
	if start {
		go c.write()
	}
}

// finish ends a kicked connection, on the writer: the client leaves its
// feeds (if they have not dropped it already, as they do on their next
// message or presence count), the close frame goes out, and once the
// reader has returned the hub stops tracking it.
func (c *client) finish() {
	c.hub.leave(c)
	if c.closeCode != websocket.CloseAbnormalClosure {
		c.closeGracefully()
	}
	c.conn.Close()
	<-c.readerDone
	c.hub.untrack(c)
}

// closeGracefully sends the close frame and gives the peer a moment to answer
// it. Whatever the peer still sends is drained: closing a socket with unread
// data resets it, and the peer would never read why it was closed.
func (c *client) closeGracefully() {
	msg := websocket.FormatCloseMessage(c.closeCode, c.closeReason)
	// ErrCloseSent: gorilla itself closed with 1009 on an oversized frame.
	err := c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.hub.writeWait))
	if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		return
	}
	grace := time.NewTimer(closeGrace)
	defer grace.Stop()
	select {
	case <-c.readerDone:
	case <-grace.C:
		return
	}
	raw := c.conn.NetConn()
	raw.SetReadDeadline(time.Now().Add(closeGrace))
	io.Copy(io.Discard, raw)
}

// refuse closes a connection the hub never tracked.
func (c *client) refuse(code int, reason string) {
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(c.hub.writeWait))
	c.conn.Close()
}

// follow records that c follows lang's channel f.
func (c *client) follow(lang string, f *feed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.transcripts[lang] = f
}

// unfollow forgets lang's channel and returns it, if c followed it.
func (c *client) unfollow(lang string) (*feed, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.transcripts[lang]
	delete(c.transcripts, lang)
	return f, ok
}

// followed returns the channels c follows.
func (c *client) followed() map[string]*feed {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]*feed, len(c.transcripts))
	for lang, f := range c.transcripts {
		out[lang] = f
	}
	return out
}
