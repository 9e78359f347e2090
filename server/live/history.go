package live

import (
	"context"
	"sync"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// resumeBound, Config.ResumeBound's default, is how far behind the room's
// log a client may resume and still be sent the events it missed: a
// resume from before its feed's replay window (the node it was on died,
// or this node started serving the room after it left) reads them back
// from the log, which is the record. Further back it gets a snapshot, as
// cheaper than that many events.
const resumeBound = 10000

// history is a room's last events read back from the log and encoded in
// each view, for clients resuming from before their feed's window. It is
// not changed once built.
type history struct {
	from   uint64 // seq just before frames[0]
	seq    uint64 // seq of the last entry read
	frames []frame
}

// covers reports whether h has every entry in (after, upTo].
func (h *history) covers(after, upTo uint64) bool {
	return h != nil && h.from <= after && upTo <= h.seq
}

// since is c's view of h's entries in (after, upTo].
func (h *history) since(c *client, after, upTo uint64) []*message {
	var out []*message
	for _, fr := range h.frames {
		if fr.seq > after && fr.seq <= upTo {
			out = append(out, fr.msg.forReader(c))
		}
	}
	return out
}

// histories keeps the last history read of each room for a while: the
// clients of a node that died resume together, and one read of the log
// serves them all. Lock order: an entry's mu is held while the log is
// read, under no other lock; histories.mu is a leaf.
type histories struct {
	mu sync.Mutex
	m  map[string]*historyEntry
}

type historyEntry struct {
	mu   sync.Mutex
	h    *history
	used time.Time
}

// history returns a history of room that has the entries in (after,
// upTo], reading the log's last h.resumeBound entries back unless the one
// kept has them. head is the room's seq as the caller saw it.
func (h *Hub) history(ctx context.Context, room string, after, upTo, head uint64) (*history, error) {
	hs := &h.histories
	hs.mu.Lock()
	e := hs.m[room]
	if e == nil {
		e = &historyEntry{}
		hs.m[room] = e
	}
	e.used = h.now()
	hs.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.h.covers(after, upTo) {
		return e.h, nil
	}
	id := rooms.RoomLog(room)
	read := &history{from: head - min(head, h.resumeBound)}
	seq, err := h.cfg.Rooms.Refold(ctx, room, read.from, func(ev rooms.Event, st *rooms.State) {
		// As the live event was sent, with the changes as of the event.
		msg := protocol.Event{Type: protocol.TypeEvent, Seq: ev.Seq, Event: ev, Changes: st.Changes(ev.Type, ev.Time)}
		if v := prepareViews(h.log, id, msg); v.full != nil {
			read.frames = append(read.frames, frame{seq: ev.Seq, msg: v})
		}
	})
	if err != nil {
		return nil, err
	}
	read.seq = seq
	if over := len(read.frames) - int(h.resumeBound); over > 0 {
		read.from = read.frames[over-1].seq
		read.frames = read.frames[over:]
	}
	e.h = read
	return read, nil
}

// forget drops the histories no client has asked for in linger.
func (hs *histories) forget(now time.Time, linger time.Duration) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for room, e := range hs.m {
		if now.Sub(e.used) >= linger {
			delete(hs.m, room)
		}
	}
}
