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

// hub fans a room's events and transcript segments out to its live
// clients. It observes the room service and the transcripts, so every entry
// folded on this node, whoever appended it, reaches the clients once, in
// order.
type hub struct {
	svc         *rooms.Service
	transcripts *rooms.Transcripts
	log         *slog.Logger
	now         func() time.Time

	ctx    context.Context // ends the watchers and presence loop
	cancel context.CancelFunc
	conns  sync.WaitGroup

	mu     sync.Mutex
	feeds  map[rooms.LogID]*feed
	closed bool
}

// feed is one log's live side: its clients and its recent entries for
// resume; a room's event feed also counts presence.
type feed struct {
	id rooms.LogID

	mu      sync.Mutex
	clients map[*client]struct{}
	recent  []frame // the last replayWindow events, oldest first
	base    uint64  // seq of the event just before recent[0]
	// presence counts this node's clients; sent is what the room's clients
	// were last told, summed over every node.
	presence rooms.Presence
	sent     rooms.Presence
	// backlog is a transcript feed's shared message for joining viewers.
	backlog  encodedBacklog
	snapshot encodedSnapshot
}

type frame struct {
	seq uint64
	msg *websocket.PreparedMessage
}

type encodedBacklog struct {
	seq   uint64
	limit int
	msg   *websocket.PreparedMessage
}

type encodedSnapshot struct {
	seq uint64
	at  time.Time
	msg *websocket.PreparedMessage
}

func newHub(svc *rooms.Service, transcripts *rooms.Transcripts, log *slog.Logger) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{svc: svc, transcripts: transcripts, log: log, now: time.Now, ctx: ctx, cancel: cancel, feeds: map[rooms.LogID]*feed{}}
	go h.every(presenceEvery, h.sendPresence)
	go h.every(time.Second, func() { h.transcripts.FinishIdle(h.ctx, captionPause) })
	return h
}

// Applied turns each folded event into one prepared message shared by all of
// the room's clients. It runs under the room's lock, so it only queues.
func (h *hub) Applied(room string, e rooms.Event, st *rooms.State) {
	if f := h.existingFeed(rooms.RoomLog(room)); f != nil {
		f.publish(h.log, e.Seq, eventMsg{Type: "event", Seq: e.Seq, Event: e, Changes: st.Changes(e.Type, h.now())})
	}
}

// publish sends msg, the log entry seq, to the feed's clients and keeps it
// for clients that resume.
func (f *feed) publish(log *slog.Logger, seq uint64, msg any) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, mustJSON(msg))
	if err != nil {
		log.Error("prepare live message", "log", f.id.String(), "seq", seq, "err", err)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recent = append(f.recent, frame{seq: seq, msg: pm})
	if over := len(f.recent) - replayWindow; over > 0 {
		f.base = f.recent[over-1].seq
		f.recent = append(f.recent[:0:0], f.recent[over:]...)
	}
	for c := range f.clients {
		c.enqueue(pm)
	}
}

// replay queues for c the entries after `after`, up to last, and reports
// whether the feed still had them all. The caller holds f.mu.
func (f *feed) replay(c *client, after, last uint64) bool {
	if after < f.base || after > last {
		return false
	}
	var missed []*websocket.PreparedMessage
	for _, fr := range f.recent {
		if fr.seq > after {
			missed = append(missed, fr.msg)
		}
	}
	c.enqueueBacklog(missed)
	return true
}

// join registers c with its room and queues, in order, what it must see
// before live events: welcome, then the events after `after` or a snapshot.
// The room's lock is held throughout, so no event slips in between.
func (h *hub) join(ctx context.Context, c *client, after uint64, resume bool) error {
	return h.svc.View(ctx, c.room, func(st *rooms.State) {
		f := h.feed(rooms.RoomLog(c.room), st.Seq)
		f.mu.Lock()
		defer f.mu.Unlock()
		now := h.now()
		c.reply(welcomeMsg{
			Type: "welcome", Room: c.room, ServerTime: now,
			You: you{Speaker: c.who.Speaker(), Role: c.who.Role, Lang: c.who.Lang},
		})
		if !resume || !f.replay(c, after, st.Seq) {
			c.enqueue(f.preparedSnapshot(h.log, st, now))
		}
		f.clients[c] = struct{}{}
		f.presence.Add(c.who, 1)
	})
}

// leave unregisters c from its room and its transcript channels.
func (h *hub) leave(c *client) {
	for _, f := range c.transcripts {
		f.remove(c)
	}
	if f := h.existingFeed(rooms.RoomLog(c.room)); f != nil && f.remove(c) {
		f.mu.Lock()
		f.presence.Add(c.who, -1)
		f.mu.Unlock()
	}
}

// remove unregisters c and reports whether it was registered.
func (f *feed) remove(c *client) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.clients[c]
	delete(f.clients, c)
	return ok
}

func (h *hub) existingFeed(id rooms.LogID) *feed {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.feeds[id]
}

// feed returns the feed of log id, creating it at seq with an empty replay
// window and starting to watch the log for other nodes' entries.
func (h *hub) feed(id rooms.LogID, seq uint64) *feed {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.feeds[id]
	if !ok {
		f = &feed{id: id, clients: map[*client]struct{}{}, base: seq, presence: rooms.NewPresence(), sent: rooms.NewPresence()}
		h.feeds[id] = f
		go h.watch(f.id)
	}
	return f
}

// watch folds in other nodes' entries of log id for as long as the hub
// runs, retrying after a store outage.
func (h *hub) watch(id rooms.LogID) {
	for h.ctx.Err() == nil {
		var err error
		if lang, ok := rooms.TranscriptLanguage(id); ok {
			err = h.transcripts.Watch(h.ctx, id.Room, lang)
		} else {
			err = h.svc.Watch(h.ctx, id.Room)
		}
		if err != nil {
			h.log.Warn("watching a log for other nodes' entries failed; retrying", "log", id.String(), "err", err)
			select {
			case <-h.ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		return
	}
}

// preparedSnapshot is the snapshot message for joining clients, prepared
// once and shared while the room stays as it is.
func (f *feed) preparedSnapshot(log *slog.Logger, st *rooms.State, now time.Time) *websocket.PreparedMessage {
	s := f.snapshot
	if s.msg == nil || s.seq != st.Seq || now.Sub(s.at) > snapshotReuse {
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, mustJSON(snapshotMsg{Type: "snapshot", Snapshot: st.Snapshot(now)}))
		if err != nil {
			log.Error("prepare snapshot", "room", f.id.Room, "err", err)
		}
		f.snapshot = encodedSnapshot{seq: st.Seq, at: now, msg: pm}
	}
	return f.snapshot.msg
}

// every runs fn every d for as long as the hub runs.
func (h *hub) every(d time.Duration, fn func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-tick.C:
			fn()
		}
	}
}

// sendPresence shares each room's presence counts with the other nodes and
// sends the room's clients the sum if it changed. Run once per
// presenceEvery, a join storm is one message, not thousands.
func (h *hub) sendPresence() {
	h.mu.Lock()
	feeds := make([]*feed, 0, len(h.feeds))
	for id, f := range h.feeds {
		if id.Channel == "" {
			feeds = append(feeds, f)
		}
	}
	h.mu.Unlock()
	for _, f := range feeds {
		f.mu.Lock()
		local := f.presence.Clone()
		f.mu.Unlock()
		all, err := h.svc.SharePresence(h.ctx, f.id.Room, local)
		if err != nil {
			h.log.Warn("sharing presence failed; counting this node only", "room", f.id.Room, "err", err)
		}
		f.sendPresence(h.log, all)
	}
}

func (f *feed) sendPresence(log *slog.Logger, all rooms.Presence) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if all.Equal(f.sent) {
		return
	}
	f.sent = all
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, mustJSON(presenceMsg{Type: "presence", Presence: all}))
	if err != nil {
		log.Error("prepare presence", "room", f.id.Room, "err", err)
		return
	}
	for c := range f.clients {
		c.enqueue(pm)
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

// track counts a connection that close must wait for, unless the hub is
// closed already. Counting under the lock orders every Add before close's
// Wait.
func (h *hub) track() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns.Add(1)
	return true
}
