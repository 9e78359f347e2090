package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/frontend"
	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
)

const (
	// sendQueue is how far a local client may fall behind before it is
	// disconnected (4008), beyond what its join queued.
	sendQueue  = 256
	writeWait  = 10 * time.Second
	localPing  = 25 * time.Second
	localPongs = 60 * time.Second
)

// client is one local live connection. Messages wait in out, which one
// writer drains; a client that falls behind is dropped, never waited for.
type client struct {
	conn *websocket.Conn
	// who holds it; when their token expires (zero: never) it is closed
	// with 4001.
	who member
	out chan []byte
	// langs are the transcript channels it follows; Relay.mu guards them.
	langs map[string]bool

	once  sync.Once
	done  chan struct{}
	code  int
	cause string
}

// send queues msg without blocking. The caller holds Relay.mu, which
// orders every client's messages as the mirror's.
func (c *client) send(msg []byte) {
	select {
	case <-c.done:
	case c.out <- msg:
	default:
		c.kick(protocol.CloseTooSlow, "too slow: fell behind")
	}
}

// kick closes the connection with code and reason, once, on the writer.
func (c *client) kick(code int, reason string) {
	c.once.Do(func() {
		c.code, c.cause = code, reason
		close(c.done)
	})
}

// write sends what is queued, and pings, until the client is kicked.
func (c *client) write() {
	ping := time.NewTicker(localPing)
	defer ping.Stop()
	defer c.conn.Close()
	var expired <-chan time.Time
	if !c.who.expires.IsZero() {
		t := time.NewTimer(time.Until(c.who.expires))
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-expired:
			c.kick(protocol.CloseTokenExpired, "token expired")
		case <-c.done:
			c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.code, c.cause), time.Now().Add(writeWait))
			return
		case <-ping.C:
			if c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)) != nil {
				c.kick(websocket.CloseAbnormalClosure, "ping failed")
			}
		case msg := <-c.out:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if c.conn.WriteMessage(websocket.TextMessage, msg) != nil {
				c.kick(websocket.CloseAbnormalClosure, "write failed")
			}
		}
	}
}

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}

// serveLive takes a local client of the live protocol.
func (r *Relay) serveLive(w http.ResponseWriter, req *http.Request, who member) {
	after, resume := uint64(0), false
	if v := req.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("after must be a whole number, not %q", v))
			return
		}
		after, resume = n, true
	}
	// Local members have the budgets the main server gives people: a
	// message a second more than that, or a ninth connection, is refused.
	if !r.people.Allow(who.Sub, time.Now()) {
		writeError(w, http.StatusTooManyRequests, protocol.CodeRateLimited, "too many requests: slow down")
		return
	}
	if !r.people.Connect(who.Sub, time.Now()) {
		writeError(w, http.StatusTooManyRequests, "too_many_connections", fmt.Sprintf("%d live connections open already", r.people.MaxConns()))
		return
	}
	defer r.people.Disconnect(who.Sub)
	conn, err := upgrader.Upgrade(w, req, nil)
	if err != nil {
		return // the upgrader answered
	}
	conn.SetReadLimit(protocol.MaxFrame)
	c := &client{conn: conn, who: who, out: make(chan []byte, sendQueue), langs: map[string]bool{}, done: make(chan struct{})}
	r.join(c, after, resume)
	go c.write()
	r.readLocal(c)
	r.mu.Lock()
	delete(r.clients, c)
	r.mu.Unlock()
	c.kick(websocket.CloseNormalClosure, "")
}

// join queues, in order, what a local client must see before live
// messages: welcome, the link's state, then the events after `after` or a
// snapshot (none before the relay's first), and registers it, all under
// r.mu, so nothing is missed or sent twice.
func (r *Relay) join(c *client, after uint64, resume bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.send(mustJSON(protocol.Welcome{
		Type: protocol.TypeWelcome, Room: r.room, ServerTime: r.serverTime(),
		You:    protocol.You{Speaker: c.who.Speaker(), Role: c.who.Role, Lang: c.who.Lang},
		Budget: protocol.Budget{PerSecond: r.people.Limits().Rate, Burst: r.people.Limits().Burst},
	}))
	c.send(r.linkMessage())
	if r.m.ready() {
		missed, ok := r.m.since(after)
		if !resume || !ok {
			missed = [][]byte{r.m.snapshotMessage()}
		}
		if len(missed) > sendQueue/2 {
			// A long backlog gets room of its own in the queue.
			c.out = growQueue(c.out, len(missed)+sendQueue)
		}
		for _, msg := range missed {
			c.send(msg)
		}
	}
	r.clients[c] = struct{}{}
}

// growQueue moves what q holds into a queue of size n. Only join calls
// it, before the client's writer starts.
func growQueue(q chan []byte, n int) chan []byte {
	out := make(chan []byte, n)
	for len(q) > 0 {
		out <- <-q
	}
	return out
}

// readLocal handles a local client's messages until it goes.
func (r *Relay) readLocal(c *client) {
	c.conn.SetReadDeadline(time.Now().Add(localPongs))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(localPongs)) })
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(localPongs))
		if !r.people.Allow(c.who.Sub, time.Now()) {
			r.reply(c, protocol.Error{Type: protocol.TypeError, Code: protocol.CodeRateLimited, Message: "too many messages: slow down"})
			continue
		}
		m, err := protocol.DecodeClient(data)
		if err != nil {
			r.reply(c, protocol.Error{Type: protocol.TypeError, Code: protocol.CodeBadFrame, Message: err.Error()})
			continue
		}
		switch m.Type {
		case protocol.TypePing:
			r.mu.Lock()
			now := r.serverTime()
			r.mu.Unlock()
			r.reply(c, protocol.Pong{Type: protocol.TypePong, ID: m.ID, ServerTime: now})
		case protocol.TypeCommand:
			r.command(c, m)
		case protocol.TypeTranscript:
			r.transcript(c, m)
		case protocol.TypeCaption, protocol.TypeCorrect:
			r.reply(c, refusal(m.ID, "forbidden", "captions are written on the main server, not through a relay"))
		default:
			r.reply(c, refusal(m.ID, protocol.CodeBadFrame, fmt.Sprintf("unknown message type %q", m.Type)))
		}
	}
}

func (r *Relay) reply(c *client, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.send(mustJSON(v))
}

func refusal(id, code, message string) protocol.Error {
	return protocol.Error{Type: protocol.TypeError, ID: id, Code: code, Message: message}
}

// command queues a local command for upstream. The coordinator's (a
// local hub token) are the hub's; a member holding the main server's
// token sends their own, with it; for a member holding the relay's, the
// hub vouches (rooms.HubMember) when they ask it for the floor or
// withdraw. One queued while the link is down carries the seq the relay
// had then as its if_seq, unless it has one: upstream refuses it as stale
// if what it acts on changed meanwhile.
func (r *Relay) command(c *client, m protocol.ClientMessage) {
	var cmd map[string]json.RawMessage
	if err := json.Unmarshal(m.Command, &cmd); err != nil || cmd == nil {
		r.reply(c, refusal(m.ID, "invalid", "command must be a JSON object"))
		return
	}
	var typ string
	json.Unmarshal(cmd["type"], &typ)
	switch {
	case c.who.token != "", c.who.Role == rooms.RoleHub:
	case c.who.vouch != nil && vouchable[typ]:
		cmd["member"] = mustJSON(c.who.vouch)
	default:
		r.reply(c, refusal(m.ID, "forbidden", fmt.Sprintf("through the hub's relay, ask your hub for the floor, on the hub's page (/rooms/%s/hub): the hub coordinator forwards you to the plenary", r.room)))
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queued() >= maxQueued {
		c.send(mustJSON(refusal(m.ID, "not_now", fmt.Sprintf("%d commands already wait for the link to the main server; try again once it is back", maxQueued))))
		return
	}
	if _, ok := cmd["if_seq"]; !ok && !r.up && r.m.ready() {
		cmd["if_seq"] = mustJSON(r.m.seq)
	}
	o := outgoing{from: c, localID: m.ID, token: c.who.token}
	if o.token != "" {
		o.msg = mustJSON(cmd)
	} else {
		o.msg = mustJSON(protocol.ClientMessage{Type: protocol.TypeCommand, ID: r.newID(), Command: mustJSON(cmd)})
	}
	r.enqueue(o)
	if !r.up {
		r.broadcast(r.linkMessage())
	}
}

// vouchable are the commands the hub sends for a member it vouches for.
var vouchable = map[string]bool{rooms.CmdHubRaiseHand: true, rooms.CmdHubWithdraw: true, rooms.CmdWithdraw: true}

// transcript has a local client follow langs: it gets what the relay holds
// of each new one (what changed after after[lang], or the recent
// segments), then live segments; the relay follows upstream any language
// not yet followed.
func (r *Relay) transcript(c *client, m protocol.ClientMessage) {
	if len(m.Langs) > protocol.MaxChannels {
		r.reply(c, refusal(m.ID, "invalid", fmt.Sprintf("at most %d languages at once", protocol.MaxChannels)))
		return
	}
	backlog := m.Backlog
	if backlog <= 0 {
		backlog = protocol.DefaultBacklog
	}
	backlog = min(backlog, protocol.MaxBacklog)
	r.mu.Lock()
	defer r.mu.Unlock()
	known := append(r.m.languages(), "floor")
	for _, lang := range m.Langs {
		if !slices.Contains(known, lang) {
			c.send(mustJSON(refusal(m.ID, "not_found", fmt.Sprintf("the room has no %q transcript yet", lang))))
			return
		}
	}
	c.send(mustJSON(protocol.Ack{Type: protocol.TypeAck, ID: m.ID}))
	wanted := map[string]bool{}
	grew := false
	for _, lang := range m.Langs {
		wanted[lang] = true
		if !r.langs[lang] {
			r.langs[lang], grew = true, true
		}
		if c.langs[lang] {
			continue
		}
		ch := r.m.channel(lang)
		after, resume := m.After[lang]
		if segs, ok := ch.changedAfter(after); resume && ok {
			for _, s := range segs {
				c.send(mustJSON(protocol.Segment{Type: protocol.TypeSegment, Lang: lang, Seq: s.Seq, Segment: s}))
			}
		} else {
			c.send(mustJSON(protocol.Segments{Type: protocol.TypeSegments, Lang: lang, Seq: ch.seq, Segments: ch.recent(backlog)}))
		}
	}
	c.langs = wanted
	if grew && r.up {
		r.enqueue(outgoing{msg: r.transcriptRequest()})
	}
}

// Handler serves the hub's network: Parley's pages for a hub
// (frontend.OnHub), and to the holders of local members' tokens the live
// protocol, the snapshot, the transcript, WHEP and WHIP if the relay has
// media, and the link's state. What else a page may ask of the API is
// answered with a JSON error saying it is the main server's.
func (r *Relay) Handler() http.Handler {
	mux := http.NewServeMux()
	frontend.Mount(mux, frontend.OnHub)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, req *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "the hub's relay does not serve "+req.Method+" "+req.URL.Path+": ask the main server")
	})
	base := "/api/v1/rooms/" + r.room
	mux.HandleFunc("GET "+base+"/ws", r.authed(r.serveLive))
	mux.HandleFunc("GET "+base, r.authed(r.serveSnapshot))
	mux.HandleFunc("GET "+base+"/transcript", r.authed(r.serveTranscript))
	if r.cfg.Media != nil {
		mux.HandleFunc("POST "+base+"/whep", r.authed(r.serveOffer))
		mux.HandleFunc("POST "+base+"/whip", r.authed(r.servePublish))
		for _, path := range []string{"/whep/{session}", "/whip/{session}"} {
			mux.HandleFunc("DELETE "+base+path, r.authed(r.serveSession))
		}
	}
	mux.HandleFunc("GET /api/v1/relay", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, r.Status()) })
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		frontend.SecureHeaders(w.Header())
		mux.ServeHTTP(w, req)
	})
}

// authed lets in the holders of the relay's tokens and of the main
// server's for members of this hub (members.go).
func (r *Relay) authed(next func(http.ResponseWriter, *http.Request, member)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		m, err := r.identify(req.Context(), auth.Bearer(req))
		if d := (*denied)(nil); errors.As(err, &d) {
			writeError(w, d.status, d.code, d.message)
			return
		}
		next(w, req, m)
	}
}

func (r *Relay) serveSnapshot(w http.ResponseWriter, _ *http.Request, _ member) {
	r.mu.Lock()
	var snap json.RawMessage
	if r.m.ready() {
		snap = mustJSON(r.m.snap)
	}
	r.mu.Unlock()
	if snap == nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the relay has not reached the main server yet")
		return
	}
	writeJSON(w, http.StatusOK, snap)
}

func (r *Relay) serveTranscript(w http.ResponseWriter, req *http.Request, _ member) {
	lang := req.URL.Query().Get("lang")
	if lang == "" {
		lang = "floor"
	}
	r.mu.Lock()
	page := protocol.Segments{Lang: lang}
	if ch := r.m.chans[lang]; ch != nil {
		page.Seq, page.Segments = ch.seq, ch.recent(protocol.MaxBacklog)
	}
	r.mu.Unlock()
	if page.Segments == nil {
		page.Segments = []rooms.Segment{}
	}
	writeJSON(w, http.StatusOK, page)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}
