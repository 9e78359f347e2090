package live

import (
	"time"

	"github.com/parley-hub/parley/rooms"
)

// feed returns the feed of log id with one more join counted as under way,
// which the joiner uncounts once it has registered (under f.mu), so the
// feed is not retired in between. A new feed starts at seq with an empty
// replay window and follows the log for other nodes' entries, unless the
// hub is closing. The caller holds the log's lock, so no entry is folded
// in meanwhile.
func (h *Hub) feed(id rooms.LogID, seq uint64) *feed {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.feeds[id]
	if !ok {
		f = newFeed(id, seq, h.log)
		if !h.closed {
			f.release = h.follow(id, seq)
		}
		h.feeds[id] = f
	}
	f.mu.Lock()
	f.joining++
	f.mu.Unlock()
	return f
}

// follow has the node follow log id from seq on, until release.
func (h *Hub) follow(id rooms.LogID, seq uint64) (release func()) {
	if lang, ok := rooms.TranscriptLanguage(id); ok {
		return h.cfg.Transcripts.Follow(id.Room, lang, seq)
	}
	return h.cfg.Rooms.Follow(id.Room, seq)
}

// retire lets go of every feed that has had no client for the hub's
// linger: the feed leaves the hub first, then stops following its log, so
// once the log's state may be evicted and folded afresh there is no feed
// left to send its old entries to.
func (h *Hub) retire(now time.Time) {
	h.mu.Lock()
	var retired []*feed
	for id, f := range h.feeds {
		if f.unused(now, h.linger) {
			delete(h.feeds, id)
			retired = append(retired, f)
		}
	}
	h.mu.Unlock()
	for _, f := range retired {
		f.release()
	}
}

// unused reports whether the feed has had no client and no join under way
// for linger. The caller holds Hub.mu.
func (f *feed) unused(now time.Time, linger time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.clients {
		if c.closing.Load() {
			f.drop(c)
		}
	}
	if len(f.clients) > 0 || f.joining > 0 {
		return false
	}
	if f.emptySince.IsZero() {
		f.emptySince = now // made for a join that did not register
	}
	return now.Sub(f.emptySince) >= linger
}
