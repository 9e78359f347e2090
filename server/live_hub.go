package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

const (
	// replayWindow is how many recent events a room keeps ready for clients
	// resuming after a dropped connection; further back they get a snapshot.
	replayWindow = 1024
	// presenceEvery bounds how often a room's presence counts are sent.
	presenceEvery = time.Second
	// snapshotReuse is how long an encoded snapshot serves joining clients
	// when the room has not changed: a join storm encodes it once, not
	// once per client. Clients count down from ends_at, so a floor's
	// elapsed_s a moment old does no harm.
	snapshotReuse = time.Second
)

// hub fans a room's events out to its live clients. It observes the room
// service, so every event folded on this node, whoever appended it, reaches
// the clients once, in order.
type hub struct {
	svc *rooms.Service
	log *slog.Logger
	now func() time.Time

	ctx    context.Context // ends the watchers and presence loop
	cancel context.CancelFunc
	conns  sync.WaitGroup

	mu     sync.Mutex
	feeds  map[string]*feed
	closed bool
}

// feed is one room's live side: its clients, recent events for resume, and
// presence counts.
type feed struct {
	room string

	mu       sync.Mutex
	clients  map[*client]struct{}
	recent   []frame // the last replayWindow events, oldest first
	base     uint64  // seq of the event just before recent[0]
	presence presence
	dirty    bool // presence changed since last sent
	snapshot encodedSnapshot
}

type frame struct {
	seq uint64
	msg *websocket.PreparedMessage
}

type encodedSnapshot struct {
	seq  uint64
	at   time.Time
	data []byte
}

func newHub(svc *rooms.Service, log *slog.Logger) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{svc: svc, log: log, now: time.Now, ctx: ctx, cancel: cancel, feeds: map[string]*feed{}}
	go h.presenceLoop()
	return h
}

// Applied turns each folded event into one prepared message shared by all of
// the room's clients. It runs under the room's lock, so it only queues.
func (h *hub) Applied(room string, e rooms.Event, st *rooms.State) {
	h.mu.Lock()
	f := h.feeds[room]
	h.mu.Unlock()
	if f == nil {
		return
	}
	data := mustJSON(eventMsg{Type: "event", Seq: e.Seq, Event: e, Changes: st.Changes(e.Type, h.now())})
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		h.log.Error("prepare event message", "room", room, "seq", e.Seq, "err", err)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recent = append(f.recent, frame{seq: e.Seq, msg: pm})
	if over := len(f.recent) - replayWindow; over > 0 {
		f.base = f.recent[over-1].seq
		f.recent = append(f.recent[:0:0], f.recent[over:]...)
	}
	for c := range f.clients {
		c.enqueue(outgoing{prepared: pm})
	}
}

// join registers c with its room and queues, in order, what it must see
// before live events: welcome, then the events after `after` or a snapshot.
// The room's lock is held throughout, so no event slips in between.
func (h *hub) join(ctx context.Context, c *client, after uint64, resume bool) error {
	return h.svc.View(ctx, c.room, func(st *rooms.State) {
		f := h.feed(c.room, st.Seq)
		f.mu.Lock()
		defer f.mu.Unlock()
		now := h.now()
		c.enqueue(outgoing{data: mustJSON(welcomeMsg{
			Type: "welcome", Room: c.room, ServerTime: now,
			You: you{Speaker: c.who.Speaker(), Role: c.who.Role},
		})})
		if resume && after >= f.base && after <= st.Seq {
			for _, fr := range f.recent {
				if fr.seq > after {
					c.enqueue(outgoing{prepared: fr.msg})
				}
			}
		} else {
			c.enqueue(outgoing{data: f.encodedSnapshot(st, now)})
		}
		f.clients[c] = struct{}{}
		f.presence.add(c.who, 1)
		f.dirty = true
	})
}

// leave unregisters c.
func (h *hub) leave(c *client) {
	h.mu.Lock()
	f := h.feeds[c.room]
	h.mu.Unlock()
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.clients[c]; ok {
		delete(f.clients, c)
		f.presence.add(c.who, -1)
		f.dirty = true
	}
}

// feed returns room's feed, creating it at seq with an empty replay window
// and starting to watch the room for other nodes' events.
func (h *hub) feed(room string, seq uint64) *feed {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.feeds[room]
	if !ok {
		f = &feed{room: room, clients: map[*client]struct{}{}, base: seq, presence: newPresence()}
		h.feeds[room] = f
		go h.watch(room)
	}
	return f
}

// watch folds in other nodes' events for as long as the hub runs, retrying
// after a store outage.
func (h *hub) watch(room string) {
	for h.ctx.Err() == nil {
		if err := h.svc.Watch(h.ctx, room); err != nil {
			h.log.Warn("watching room for other nodes' events failed; retrying", "room", room, "err", err)
			select {
			case <-h.ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		return
	}
}

func (f *feed) encodedSnapshot(st *rooms.State, now time.Time) []byte {
	s := f.snapshot
	if s.data == nil || s.seq != st.Seq || now.Sub(s.at) > snapshotReuse {
		f.snapshot = encodedSnapshot{seq: st.Seq, at: now, data: mustJSON(snapshotMsg{Type: "snapshot", Snapshot: st.Snapshot(now)})}
	}
	return f.snapshot.data
}

// presenceLoop sends each room's presence counts when they changed, at most
// once per presenceEvery, so a join storm is one message, not thousands.
func (h *hub) presenceLoop() {
	tick := time.NewTicker(presenceEvery)
	defer tick.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-tick.C:
		}
		h.mu.Lock()
		feeds := make([]*feed, 0, len(h.feeds))
		for _, f := range h.feeds {
			feeds = append(feeds, f)
		}
		h.mu.Unlock()
		for _, f := range feeds {
			f.sendPresence()
		}
	}
}

func (f *feed) sendPresence() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.dirty {
		return
	}
	f.dirty = false
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, mustJSON(presenceMsg{Type: "presence", Presence: f.presence}))
	if err != nil {
		return
	}
	for c := range f.clients {
		c.enqueue(outgoing{prepared: pm})
	}
}

// close ends every live connection with "going away" and waits, up to ctx,
// for them to finish.
func (h *hub) close(ctx context.Context) {
	h.mu.Lock()
	h.closed = true
	feeds := h.feeds
	h.mu.Unlock()
	h.cancel()
	for _, f := range feeds {
		f.mu.Lock()
		for c := range f.clients {
			c.kick(websocket.CloseGoingAway, "server shutting down")
		}
		f.mu.Unlock()
	}
	done := make(chan struct{})
	go func() { h.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// accepting reports whether the hub takes new connections.
func (h *hub) accepting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.closed
}
