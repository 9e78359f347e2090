package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// feed is one log's live side: its clients, the entries captured under the
// log's lock and waiting to be encoded, and its recent encoded entries for
// resume; a room's event feed also counts presence.
type feed struct {
	id  rooms.LogID
	log *slog.Logger
	// release ends the node's following of the log for this feed.
	release func()

	mu sync.Mutex
	// clients maps each client to the seq it has been sent up to: an entry
	// captured before a client joined but encoded after is not sent twice.
	clients map[*client]uint64
	// pending entries were captured in log order under the log's lock; one
	// drainer at a time encodes and sends them, in that order.
	pending  []captured
	draining bool
	// epoch counts the feed's restarts (see restart): an entry captured
	// in an earlier one is of a log that is gone, and is not sent.
	epoch  uint64
	recent []frame // the last replayWindow entries sent, oldest first
	base   uint64  // seq of the entry just before recent[0]
	last   uint64  // seq of the last entry sent
	// presence counts this node's clients; sent is what the room's clients
	// were last told, summed over every node; hubs remembers the room's
	// hubs, online or gone.
	presence rooms.Presence
	sent     rooms.Presence
	// counted is presence as last shared, made again only once it changed:
	// listing thousands by name each tick was most of a quiet room's
	// garbage.
	counted      rooms.Presence
	countedStale bool
	hubs         rooms.HubWatch
	// joining counts the joins between Hub.feed and their registering;
	// emptySince is when the feed last found itself without a client.
	// A feed is retired once both say nobody has used it for a while.
	joining    int
	emptySince time.Time
	snapshot   encodedSnapshot
	// backlog is a transcript feed's shared message for joining viewers.
	backlog encodedBacklog
}

// captured is a log entry's message, not yet encoded, and the notes of the
// person it concerns, if any.
type captured struct {
	seq   uint64
	epoch uint64
	msg   any
	owner string
	notes *protocol.Notes
}

// frame is a log entry's message in each view; notes go to the owner's
// clients first.
type frame struct {
	seq   uint64
	epoch uint64
	msg   views
	owner string
	notes *message
}

type encodedSnapshot struct {
	seq uint64
	at  time.Time
	msg views
}

type encodedBacklog struct {
	seq   uint64
	limit int
	msg   *message
}

func newFeed(id rooms.LogID, seq uint64, log *slog.Logger) *feed {
	return &feed{
		id: id, log: log, release: func() {}, clients: map[*client]uint64{}, base: seq, last: seq,
		presence: rooms.NewPresence(), sent: rooms.NewPresence(), counted: rooms.NewPresence(),
	}
}

// capture queues e, a log entry's message, for the feed's clients. The
// caller holds the log's lock, which orders captures; encoding, in each
// view, happens later, in the drainer, under no lock.
func (f *feed) capture(e captured) {
	f.mu.Lock()
	e.epoch = f.epoch
	f.pending = append(f.pending, e)
	start := !f.draining
	f.draining = true
	f.mu.Unlock()
	if start {
		go f.drain()
	}
}

// drain encodes captured entries and sends them until none wait.
func (f *feed) drain() {
	for {
		f.mu.Lock()
		batch := f.pending
		f.pending = nil
		if len(batch) == 0 {
			f.draining = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		frames := make([]frame, 0, len(batch))
		for _, e := range batch {
			if v := stamped(prepareViews(f.log, f.id, e.msg), e.msg); v.full != nil {
				fr := frame{seq: e.seq, epoch: e.epoch, msg: v, owner: e.owner}
				if e.notes != nil {
					fr.notes = prepare(f.log, f.id, e.notes)
				}
				frames = append(frames, fr)
			}
		}
		f.mu.Lock()
		for _, fr := range frames {
			f.send(fr)
		}
		f.mu.Unlock()
	}
}

// send delivers fr to every client that has not had it and keeps it for
// clients that resume. The caller holds f.mu.
func (f *feed) send(fr frame) {
	if fr.epoch != f.epoch {
		return // of the log as it was before a restart
	}
	f.recent = append(f.recent, fr)
	if over := len(f.recent) - replayWindow; over > 0 {
		f.base = f.recent[over-1].seq
		f.recent = append(f.recent[:0:0], f.recent[over:]...)
	}
	f.last = fr.seq
	for c, had := range f.clients {
		if c.closing.Load() {
			f.drop(c)
		} else if fr.seq > had {
			if fr.notes != nil && !c.full && c.who.Sub == fr.owner {
				c.enqueue(fr.notes)
			}
			c.enqueue(fr.msg.forReader(c))
			f.clients[c] = fr.seq
		}
	}
}

// replay queues for c the entries sent after `after` and reports the seq c
// has then had, or false when neither the feed nor older, read back from
// the log, has them all. Entries up to last that are still being encoded
// reach c when they are sent. The caller holds f.mu.
func (f *feed) replay(c *client, after, last uint64, older *history) (uint64, bool) {
	if after > last || (after < f.base && !older.covers(after, f.base)) {
		return 0, false
	}
	var missed []*message
	if after < f.base {
		missed = older.since(c, after, f.base)
	}
	for _, fr := range f.recent {
		if fr.seq > after {
			missed = append(missed, fr.msg.forReader(c))
		}
	}
	c.enqueueBacklog(missed)
	return max(after, f.last), true
}

// add registers c as having had the entries up to seq, unless c is being
// closed: a client kicked while it joined must not stay registered. The
// caller holds f.mu.
func (f *feed) add(c *client, seq uint64) bool {
	if c.closing.Load() {
		return false
	}
	f.clients[c] = seq
	return true
}

// remove unregisters c.
func (f *feed) remove(c *client) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop(c)
}

// drop unregisters c if it is registered; a room feed stops counting it.
// The caller holds f.mu.
func (f *feed) drop(c *client) {
	if _, ok := f.clients[c]; !ok {
		return
	}
	delete(f.clients, c)
	if f.id.Channel == "" {
		f.count(c.who, -1)
	}
	if len(f.clients) == 0 {
		f.emptySince = time.Now()
	}
}

// join registers c with its room and queues, in order, what it must see
// before live events: welcome, then the events after `after` or a snapshot.
// The room's lock is held while c is registered, so the snapshot and the
// events c is sent meet without a gap or an overlap. Events from before
// the feed's window are read back from the log (see history), under none
// of the locks, and the join tried again with them.
func (h *Hub) join(ctx context.Context, c *client, after uint64, resume bool) error {
	// Nothing else reaches c before it is registered: its welcome is
	// encoded and queued first, outside the room's lock.
	limits := h.cfg.People.Limits()
	c.reply(protocol.Welcome{
		Type: protocol.TypeWelcome, Room: c.room, ServerTime: h.now(),
		You:    protocol.You{Speaker: c.who.Speaker(), Role: c.who.Role, Lang: c.who.Lang},
		Budget: protocol.Budget{PerSecond: limits.Rate, Burst: limits.Burst},
	})
	// A client that had nothing is better served by the room as it is.
	resume = resume && after > 0
	var older *history
	for tries := 0; ; tries++ {
		// read asks for the entries in (after, upTo] from the log, the
		// room being at head.
		var read struct{ upTo, head uint64 }
		err := h.cfg.Rooms.View(ctx, c.room, func(st *rooms.State) {
			f := h.feed(rooms.RoomLog(c.room), st.Seq)
			f.mu.Lock()
			defer f.mu.Unlock()
			f.joining--
			if resume && after < f.base && st.Seq-min(st.Seq, after) <= h.resumeBound && !older.covers(after, f.base) && tries < historyTries {
				read.upTo, read.head = f.base, st.Seq
				return
			}
			now := h.now()
			if notes := ownNotes(rooms.ViewOf(c.who), st); notes != nil {
				c.enqueue(prepare(f.log, f.id, notes))
			}
			had, ok := uint64(0), false
			if resume {
				had, ok = f.replay(c, after, st.Seq, older)
			}
			if !ok {
				c.enqueue(f.preparedSnapshot(st, now).forReader(c))
				had = st.Seq
			}
			if f.add(c, had) {
				f.count(c.who, 1)
			}
		})
		if err != nil || read.upTo == 0 {
			return err
		}
		if older, err = h.history(ctx, c.room, after, read.upTo, read.head); err != nil {
			// The snapshot then, as the store will say again soon.
			c.logger().Warn("reading missed events back from the log failed; sending a snapshot", "after", after, "err", err)
			older, resume = nil, false
		}
	}
}

// historyTries bounds the reads of the log for one resume: another node
// may append while the log is read, and a feed made meanwhile may start
// after what was read; the next read then has it.
const historyTries = 3

// preparedSnapshot is the snapshot message for joining clients, in each
// view, prepared once and shared while the room stays as it is. The caller
// holds the room's lock and f.mu.
func (f *feed) preparedSnapshot(st *rooms.State, now time.Time) views {
	s := f.snapshot
	if s.msg.full == nil || s.seq != st.Seq || now.Sub(s.at) > snapshotReuse {
		v := prepareViews(f.log, f.id, protocol.Snapshot{Type: protocol.TypeSnapshot, Snapshot: st.Snapshot(now)})
		f.snapshot = encodedSnapshot{seq: st.Seq, at: now, msg: v}
	}
	return f.snapshot.msg
}

// restart forgets all the feed had of its log, which was reloaded after
// the store lost entries: seqs start again, so nothing captured or kept
// for resume is of the log as it is now, and every client is taken to
// have had the log up to seq, which what the caller sends them next must
// make true. The caller holds the log's lock and f.mu.
func (f *feed) restart(seq uint64) {
	f.epoch++
	f.pending, f.recent = nil, nil
	f.base, f.last = seq, seq
	f.snapshot, f.backlog = encodedSnapshot{}, encodedBacklog{}
	for c := range f.clients {
		if c.closing.Load() {
			f.drop(c)
		} else {
			f.clients[c] = seq
		}
	}
}

// resetRoom sends every client of the room, reloaded after the store lost
// events, a fresh snapshot, after their own notes (none, if the reloaded
// room has none of theirs); if the store no longer has the room, it closes
// them as for a room that is gone. The caller holds the room's lock.
func (f *feed) resetRoom(st *rooms.State, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restart(st.Seq)
	if st.Seq == 0 {
		for c := range f.clients {
			c.kick(protocol.CloseRoomGone, "the room is gone: the server lost it")
		}
		return
	}
	snap := f.preparedSnapshot(st, now)
	none := prepare(f.log, f.id, protocol.Notes{Type: protocol.TypeNotes, Notes: map[string]string{}})
	for c := range f.clients {
		if !c.full {
			notes := none
			if own := ownNotes(rooms.ViewOf(c.who), st); own != nil {
				notes = prepare(f.log, f.id, own)
			}
			c.enqueue(notes)
		}
		c.enqueue(snap.forReader(c))
	}
}

// localPresence counts this node's clients of the room. A client kicked
// stops counting here at the latest, even while its writer still waits to
// send the close frame to a peer that stopped reading.
func (f *feed) localPresence() rooms.Presence {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.clients {
		if c.closing.Load() {
			f.drop(c)
		}
	}
	if f.countedStale {
		f.counted, f.countedStale = f.presence.Clone(), false
	}
	return f.counted.Clone()
}

// count counts a connection of p in (delta 1) or out (-1). The caller
// holds f.mu.
func (f *feed) count(p rooms.Participant, delta int) {
	f.presence.Add(p, delta)
	f.countedStale = true
}

// sendPresence sends the room's clients its counts over every node, if
// they changed: the counts to everyone, with who is connected and the
// room's hubs to those who chair.
func (f *feed) sendPresence(all rooms.Presence) {
	f.mu.Lock()
	all.Hubs = f.hubs.See(all, time.Now().UTC())
	if all.Equal(f.sent) {
		f.mu.Unlock()
		return
	}
	f.sent = all
	f.mu.Unlock()
	v := prepareViews(f.log, f.id, protocol.Presence{Type: protocol.TypePresence, Presence: all})
	if v.full == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.clients {
		c.enqueue(v.forReader(c))
	}
}

// prepare encodes msg once for every client; nil if it cannot (it is
// logged: the protocol's types always encode).
func prepare(log *slog.Logger, id rooms.LogID, msg any) *message {
	b, err := json.Marshal(msg)
	if err != nil {
		log.Error("prepare live message", "log", id.String(), "err", err)
		return nil
	}
	return newMessage(opText, b)
}

// revoke closes the connections of the token or person e revokes.
func (f *feed) revoke(e rooms.Event) {
	var d rooms.TokenRevoked
	if json.Unmarshal(e.Data, &d) != nil {
		return
	}
	f.mu.Lock()
	var gone []*client
	for c := range f.clients {
		if d.Matches(c.token, c.who.Sub) {
			gone = append(gone, c)
		}
	}
	f.mu.Unlock()
	for _, c := range gone {
		c.kick(protocol.CloseTokenRevoked, "token revoked")
	}
}

// roomObserver captures each event for its room's feed.
type roomObserver struct{ h *Hub }

// Applied runs under the room's lock: it captures the event, the parts of
// the snapshot it changed (the queue's order is cached in the state) and
// the raiser's notes, and leaves the encoding, in each view, to the feed's
// drainer.
func (o roomObserver) Applied(room string, e rooms.Event, st *rooms.State) {
	if f := o.h.existingFeed(rooms.RoomLog(room)); f != nil {
		if e.Type == rooms.EvTokenRevoked {
			f.revoke(e)
		}
		owner, notes := raisedNotes(e, st)
		f.capture(captured{
			seq: e.Seq, msg: protocol.Event{Type: protocol.TypeEvent, Seq: e.Seq, Event: e, Changes: st.Changes(e.Type, o.h.now())},
			owner: owner, notes: notes,
		})
	}
}

// Reset runs under the room's lock once the room was reloaded after the
// store lost events: its clients start again from a snapshot.
func (o roomObserver) Reset(room string, st *rooms.State) {
	if f := o.h.existingFeed(rooms.RoomLog(room)); f != nil {
		f.resetRoom(st, o.h.now())
	}
}
