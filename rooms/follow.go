package rooms

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Follower is implemented by stores shared between nodes (Redis): it tells
// a node promptly of the entries other nodes append to the logs it serves.
// A node runs one Follow for all of them, not one per log.
type Follower interface {
	// Follow hands fn the entries appended, by any node, to the logs that
	// logs names: for each log, in order, those after the seq that logs
	// gives for it or after the last entry fn was handed, whichever is
	// later. It calls logs again after every read, and at least every
	// second, so logs may come and go while it runs; fn may still be
	// handed entries of a log that has just gone. It returns nil as soon as
	// logs names none, ctx.Err() once ctx is done, or an error wrapping the
	// store's.
	//
	// A log that holds fewer entries than the seq Follow would read it
	// after (the store lost them: a Redis restarted empty) is told to
	// shorter, at the latest a couple of seconds after it happened, with
	// the log's last seq now; Follow then forgets where it was in that log
	// and reads it after the seq logs gives for it next.
	//
	// The set is the store's to split: Redis Cluster cannot read streams
	// of different hash slots in one XREAD, so a cluster store reads each
	// node's (or slot's) logs apart, on a connection per node.
	Follow(ctx context.Context, logs func() map[LogID]uint64, fn func(ctx context.Context, log LogID, entries []Event), shorter func(ctx context.Context, log LogID, last uint64)) error
}

// followRetry is how long the follower waits after the store failed.
const followRetry = time.Second

// follower is a node's one reader of the logs it serves for the entries
// other nodes append. It runs while any log is followed and hands what it
// reads to fold, which folds it into the cached state, if any, and a log
// found shorter than what it read to lost, which checks the cached state
// against the store (a loss is a fault).
//
// Lock order: follower.mu comes after the caches' locks and after any
// room's or channel's lock; fold is called with no lock held.
type follower struct {
	store Follower // nil when the store is not shared
	log   *slog.Logger
	fold  func(ctx context.Context, log LogID, entries []Event)
	lost  func(ctx context.Context, log LogID)

	mu      sync.Mutex
	logs    map[LogID]*followedLog
	running bool
}

type followedLog struct {
	refs int
	// seq is the last entry read, or where following began.
	seq uint64
}

func newFollower(store Store, log *slog.Logger, fold func(context.Context, LogID, []Event), lost func(context.Context, LogID)) *follower {
	f, _ := store.(Follower)
	return &follower{store: f, log: log, fold: fold, lost: lost, logs: map[LogID]*followedLog{}}
}

// add follows log id from seq on until the returned release is called.
// It does no I/O, so it may be called under the lock of the log's state.
func (f *follower) add(id LogID, seq uint64) (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.logs[id]
	if !ok {
		l = &followedLog{seq: seq}
		f.logs[id] = l
	}
	l.refs++
	if f.store != nil && !f.running {
		f.running = true
		go f.run()
	}
	return sync.OnceFunc(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if l.refs--; l.refs == 0 {
			delete(f.logs, id)
		}
	})
}

// following reports whether log id is followed.
func (f *follower) following(id LogID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.logs[id]
	return ok
}

// list returns the followed logs, sorted by name.
func (f *follower) list() []LogID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.SortedFunc(maps.Keys(f.logs), func(a, b LogID) int {
		return cmp.Or(cmp.Compare(a.Room, b.Room), cmp.Compare(a.Channel, b.Channel))
	})
}

// run follows the logs until none is left, starting over after a failure.
func (f *follower) run() {
	ctx := context.Background()
	for {
		err := f.store.Follow(ctx, f.current, f.deliver, f.shorter)
		if err == nil {
			return // nothing left to follow; add starts a new run
		}
		f.log.Warn("following logs for other nodes' entries failed; retrying", "err", err)
		time.Sleep(followRetry)
	}
}

// current is the followed logs with the seq to read after. When there are
// none it marks the follower stopped, under the same lock as add checks it,
// so a log added next starts a new run.
func (f *follower) current() map[LogID]uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.logs) == 0 {
		f.running = false
		return nil
	}
	out := make(map[LogID]uint64, len(f.logs))
	for id, l := range f.logs {
		out[id] = l.seq
	}
	return out
}

func (f *follower) deliver(ctx context.Context, id LogID, entries []Event) {
	if len(entries) == 0 {
		return
	}
	f.mu.Lock()
	if l, ok := f.logs[id]; ok {
		l.seq = max(l.seq, entries[len(entries)-1].Seq)
	}
	f.mu.Unlock()
	f.fold(ctx, id, entries)
}

// shorter reads log id again from its start: the store holds less of it
// than was read (its entries were lost, and may be written anew from seq
// 1). The cached state, which may hold the lost entries, is checked
// against the store.
func (f *follower) shorter(ctx context.Context, id LogID, last uint64) {
	f.mu.Lock()
	if l, ok := f.logs[id]; ok {
		l.seq = 0
	}
	f.mu.Unlock()
	f.log.WarnContext(ctx, "a followed log is shorter than what was read of it; reading it again from its start", "room", id.Room, "log", id.String(), "store_has", last)
	f.lost(ctx, id)
}

// foldRead folds into st the entries read from log id that it lacks, in
// order; entries that do not follow on from st (a gap) are read from the
// store instead. The caller holds the lock guarding st.
func foldRead(ctx context.Context, store Store, id LogID, st folded, entries []Event, applied func(Event)) error {
	for _, e := range entries {
		switch {
		case e.Seq <= st.lastSeq():
		case e.Seq == st.lastSeq()+1:
			st.Apply(e)
			applied(e)
		default:
			return catchUp(ctx, store, id, st, applied)
		}
	}
	return nil
}

// Follow keeps room's cached state current, from seq on, with what other
// nodes append to its log, so observers learn of it promptly, and keeps
// the room cached, until release is called. Follows of one room share one
// reading, and the node reads every log it follows at once, on a
// connection of its own. Follow does no I/O: call it under a View, with
// the seq the state has there.
func (s *Service) Follow(room string, seq uint64) (release func()) {
	return s.follow.add(RoomLog(room), seq)
}

// Following lists the logs this node follows now, rooms' and transcripts'.
func (s *Service) Following() []LogID { return s.follow.list() }

// foldFollowed folds into the cached room what the follower read from its
// log, and hands other logs' entries to foldChannel.
func (s *Service) foldFollowed(ctx context.Context, id LogID, entries []Event) {
	if id.Channel != "" {
		if s.foldChannel != nil {
			s.foldChannel(ctx, id, entries)
		}
		return
	}
	r, done, _ := s.rooms.get(id.Room, nil)
	if r == nil {
		return // not cached: folded afresh from the log on next use
	}
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := s.recover(ctx, r, foldRead(ctx, s.store, id, r.state, entries, s.applied(id.Room, r.state))); err != nil && !errors.Is(err, ErrLost) {
		s.log.WarnContext(ctx, "folding another node's events failed; the next use catches up", "room", id.Room, "err", err)
	}
}

// checkFollowed catches the cached state of log id up with the store,
// which the follower found holding less of it than was read: a loss of
// events this node holds is a fault (see recover).
func (s *Service) checkFollowed(ctx context.Context, id LogID) {
	if id.Channel != "" {
		if s.checkChannel != nil {
			s.checkChannel(ctx, id)
		}
		return
	}
	r, done, _ := s.rooms.get(id.Room, nil)
	if r == nil {
		return
	}
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := s.catchUp(ctx, r); err != nil && !errors.Is(err, ErrLost) {
		s.log.WarnContext(ctx, "checking a room against a shorter log failed; the next use catches up", "room", id.Room, "err", err)
	}
}
