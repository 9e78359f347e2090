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
// has. Messages wait in a bounded queue that the client's shard drains as
// far as the socket takes them at once; the rest goes to a writer goroutine
// of its own, started only then: a slow client falls behind alone instead
// of slowing its room, and an idle one costs no goroutine but its reader.
// One writer at a time, shard or goroutine (writing), makes every write,
// pongs and the close frame included, so none waits for another and no
// frame is cut into by another.
type client struct {
	hub  *Hub
	conn *websocket.Conn
	// shard writes the client's frames; raw, when direct, is the socket
	// it writes them to without waiting.
	shard  *shard
	raw    *rawWriter
	direct bool
	room   string
	who    rooms.Participant
	// full says the client receives the chair's view of personal data.
	full    bool
	expires time.Time
	token   string // the jti, for revocations

	mu    sync.Mutex
	queue []*message
	// replies counts the messages in queue that answer the client's own
	// (acks, errors, pongs). They never count towards limit: a client that
	// sends a burst is not dropped for being answered, its reader waits
	// for room instead (awaitRoom), and its own sending slows.
	replies int
	// drained is signalled, under mu, when the writer takes the queue and
	// when the client is kicked.
	drained  *sync.Cond
	awaiting int // readers waiting for drained
	// limit is sendQueue beyond the backlog a join or resume queued.
	limit   int
	writing bool // the shard or a writer goroutine has the connection
	pingDue bool
	// timer sends pings and ends the connection when the token expires.
	timer *time.Timer
	// closeCode and closeReason are set once, by kick, with closing.
	closeCode   int
	closeReason string
	// transcripts are the channels the client follows, by language.
	transcripts map[string]*feed

	closing    atomic.Bool
	peerClosed atomic.Bool   // the peer sent its close frame: its last
	readerDone chan struct{} // closed when read returns
}

func newClient(h *Hub, conn *websocket.Conn, s Session) *client {
	c := &client{
		hub: h, conn: conn, room: s.Room, who: s.Who, full: rooms.ViewOf(s.Who).Full(), expires: s.Expires, token: s.Token,
		limit: sendQueue, readerDone: make(chan struct{}), transcripts: map[string]*feed{},
	}
	c.drained = sync.NewCond(&c.mu)
	c.shard = h.shards.pick()
	c.raw, c.direct = newRawWriter(conn.NetConn())
	// Pings and closes from the peer are answered by the writer, which
	// alone writes to the connection.
	conn.SetPingHandler(func(data string) error {
		c.push(newMessage(opPong, []byte(data)), true)
		return nil
	})
	conn.SetCloseHandler(func(code int, _ string) error {
		c.peerClosed.Store(true)
		c.kick(code, "")
		return nil
	})
	return c
}

func (c *client) logger() *slog.Logger {
	return c.hub.log.With("room", c.room, "participant", c.who.Sub)
}

// enqueue queues one of the room's messages without blocking; a client
// whose queue is full has fallen behind and is disconnected.
func (c *client) enqueue(m *message) { c.push(m, false) }

// push queues m; own says it answers the client's own message, which
// awaitRoom bounds instead of limit.
func (c *client) push(m *message, own bool) {
	if m == nil {
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
	c.queue = append(c.queue, m)
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
		c.awaiting++
		c.drained.Wait()
		c.awaiting--
	}
}

// enqueueBacklog queues what a joining or resuming client missed, however
// long: the entries are shared with every other client, and the client may
// still fall sendQueue messages behind on top of them.
func (c *client) enqueueBacklog(ms []*message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() || len(ms) == 0 {
		return
	}
	c.queue = append(c.queue, ms...)
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
	c.push(newMessage(opText, b), true)
}

// startWriting has the shard visit c unless a writer has the connection
// already. The caller holds c.mu.
func (c *client) startWriting() {
	if c.writing {
		return
	}
	c.writing = true
	if c.direct {
		c.shard.schedule(c)
	} else {
		go c.write(nil)
	}
}

// take hands the writer what is queued, a ping first if one is due, and
// makes room for more. done is the writer's previous batch, all written:
// its array becomes the next queue's, so a client costs no allocation per
// message. It returns false once the client is kicked (the writer then
// finishes it), and nothing, having let go of the connection, when
// nothing waits.
func (c *client) take(done []*message) ([]*message, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return nil, false
	}
	batch := c.queue
	if c.pingDue {
		batch = append([]*message{pingMessage}, batch...)
	}
	clear(done)
	c.queue, c.pingDue, c.limit, c.replies = done[:0], false, sendQueue, 0
	if c.awaiting > 0 {
		c.drained.Broadcast()
	}
	if len(batch) == 0 {
		c.writing = false
	}
	return batch, true
}

// flush is the shard's turn at c: it writes what is queued as far as the
// socket takes it at once. The rest of a batch it could not finish, and
// the close once c is kicked, go to a writer goroutine of c's own, which
// has the connection from then on.
func (c *client) flush() {
	var batch []*message
	for {
		var open bool
		batch, open = c.take(batch)
		if !open {
			go c.finish()
			return
		}
		for i, m := range batch {
			if c.closing.Load() {
				go c.finish() // the close frame goes next
				return
			}
			n, err := c.raw.tryWrite(m.wire)
			if err != nil {
				c.kick(websocket.CloseAbnormalClosure, "write failed")
				go c.finish()
				return
			}
			if n < len(m.wire) {
				rest := batch[i:]
				if n > 0 {
					rest = append([]*message{{wire: m.wire[n:], text: m.text, sent: m.sent, transcript: m.transcript}}, batch[i+1:]...)
				}
				go c.write(rest)
				return
			}
			c.delivered(m)
		}
		if len(batch) == 0 {
			return
		}
	}
}

// write is c's own writer: it sends batch, then what is queued, each write
// with its own deadline (Config.WriteWait), until nothing is; once the
// client is kicked it finishes it instead.
func (c *client) write(batch []*message) {
	raw := c.conn.NetConn()
	for {
		for _, m := range batch {
			if c.closing.Load() {
				break // the close frame goes next
			}
			// Each write gets its own deadline, so a kick's close frame
			// is never left behind an old one.
			raw.SetWriteDeadline(time.Now().Add(c.hub.writeWait))
			if _, err := raw.Write(m.wire); err != nil {
				c.kick(websocket.CloseAbnormalClosure, "write failed")
				break
			}
			c.delivered(m)
		}
		var open bool
		if batch, open = c.take(batch); !open {
			c.finish()
			return
		}
		if len(batch) == 0 {
			return
		}
	}
}

// delivered counts m, written whole to the socket, unless it is a control
// frame.
func (c *client) delivered(m *message) {
	if m.text && c.hub.cfg.Metrics != nil {
		c.hub.cfg.Metrics.Delivered(m.sent, m.transcript)
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
		go c.finish()
	}
}

// finish ends a kicked connection, on its writer goroutine: the client leaves its
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
	if c.peerClosed.Load() {
		return // nothing is left unread after the peer's close frame
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
