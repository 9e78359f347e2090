package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// logSet is the set of logs a test follows, changed while Follow runs.
type logSet struct {
	mu    sync.Mutex
	logs  map[rooms.LogID]uint64
	asked int
}

func (s *logSet) current() map[rooms.LogID]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked++
	out := make(map[rooms.LogID]uint64, len(s.logs))
	for id, seq := range s.logs {
		out[id] = seq
	}
	return out
}

func (s *logSet) set(id rooms.LogID, seq uint64, follow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if follow {
		s.logs[id] = seq
	} else {
		delete(s.logs, id)
	}
}

type read struct {
	log     rooms.LogID
	entries []rooms.Event
}

// One Follow reads many logs, takes in logs added while it runs, keeps
// commands off its connection, and returns once no log is left.
func TestFollowManyLogs(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	followManyLogs(t, c, redistest.NewClient(t), prefix)
}

// followManyLogs is TestFollowManyLogs on the clients given, writer's and
// follower's, of one Redis or one cluster.
func followManyLogs(t *testing.T, c, followerClient redis.UniversalClient, prefix string) {
	writer := redisstore.New(c, prefix)
	follower := redisstore.New(followerClient, prefix)
	ctx := t.Context()
	plenary, english, side := rooms.RoomLog("plenary"), rooms.TranscriptLog("plenary", "en"), rooms.RoomLog("side")
	appendTo := func(id rooms.LogID, after uint64, ns ...int) {
		t.Helper()
		evs := make([]rooms.Event, len(ns))
		for i, n := range ns {
			evs[i] = event(n)
		}
		if _, err := writer.Append(ctx, id, after, evs); err != nil {
			t.Fatal(err)
		}
	}
	appendTo(plenary, 0, 1, 2)

	set := &logSet{logs: map[rooms.LogID]uint64{plenary: 1, english: 0}}
	got := make(chan read, 16)
	done := make(chan error, 1)
	go func() {
		done <- follower.Follow(ctx, set.current, func(_ context.Context, id rooms.LogID, entries []rooms.Event) {
			got <- read{id, entries}
		}, func(context.Context, rooms.LogID, uint64) {})
	}()
	next := func(want rooms.LogID, seqs ...uint64) {
		t.Helper()
		var have []uint64
		for len(have) < len(seqs) {
			select {
			case r := <-got:
				if r.log != want {
					t.Fatalf("Follow read %v from %s, want %s", r.entries, r.log, want)
				}
				for _, e := range r.entries {
					if string(e.Data) != fmt.Sprintf(`{"n":%d}`, e.Seq) {
						t.Fatalf("entry %d of %s holds %s", e.Seq, r.log, e.Data)
					}
					have = append(have, e.Seq)
				}
			case err := <-done:
				t.Fatalf("Follow returned early: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatalf("Follow read %v of %s, want %v", have, want, seqs)
			}
		}
		if fmt.Sprint(have) != fmt.Sprint(seqs) {
			t.Fatalf("Follow read %v of %s, want %v", have, want, seqs)
		}
	}

	next(plenary, 2) // in the log already, after the seq given
	appendTo(english, 0, 1)
	next(english, 1)
	appendTo(plenary, 2, 3, 4)
	next(plenary, 3, 4)

	set.set(side, 0, true) // a log added while Follow runs
	appendTo(side, 0, 1)
	next(side, 1)

	// In a cluster, reads do not block and share the pool.
	if one, ok := followerClient.(*redis.Client); ok && one.PoolStats().Hits+one.PoolStats().Misses != 0 {
		st := one.PoolStats()
		t.Errorf("Follow used the store's pool %d times; it must read on a connection of its own", st.Hits+st.Misses)
	}

	for _, id := range []rooms.LogID{plenary, english, side} {
		set.set(id, 0, false)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Follow with no logs left returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow went on with no logs left")
	}
}

func TestFollowStopsWithContext(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, prefix)
	ctx, cancel := context.WithCancel(t.Context())
	set := &logSet{logs: map[rooms.LogID]uint64{rooms.RoomLog("plenary"): 0}}
	done := make(chan error, 1)
	go func() {
		done <- s.Follow(ctx, set.current, func(context.Context, rooms.LogID, []rooms.Event) {}, func(context.Context, rooms.LogID, uint64) {})
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		set.mu.Lock()
		asked := set.asked
		set.mu.Unlock()
		if asked >= 2 { // one XREAD done, the next under way
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Follow did not read")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not return within its block time after cancel")
	}
}

// A log that Redis lost (restarted empty) ends before where Follow reads
// it: Follow says so and reads it again from the seq it is given next, so
// the log written anew from seq 1 is not missed.
func TestFollowReadsALostLogAgain(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	writer, follower := redisstore.New(redis.NewClient(opts), ""), redisstore.New(redis.NewClient(opts), "")
	t.Cleanup(func() { writer.Close(); follower.Close() })
	ctx := t.Context()
	plenary := rooms.RoomLog("plenary")
	if _, err := writer.Append(ctx, plenary, 0, []rooms.Event{event(1), event(2), event(3)}); err != nil {
		t.Fatal(err)
	}
	set := &logSet{logs: map[rooms.LogID]uint64{plenary: 3}}
	got, shorter := make(chan uint64, 16), make(chan uint64, 4)
	go func() {
		// Started again after an error, as a node's follower is: the
		// connection may fail while Redis restarts.
		for ctx.Err() == nil {
			follower.Follow(ctx, set.current, func(_ context.Context, _ rooms.LogID, entries []rooms.Event) {
				for _, e := range entries {
					got <- e.Seq
				}
			}, func(_ context.Context, id rooms.LogID, last uint64) {
				set.set(id, 0, true) // read it from its start, as the contract asks
				shorter <- last
			})
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond): // as a node's follower waits before it tries again
			}
		}
	}()

	srv.Wipe()
	srv.Start()
	select {
	case last := <-shorter:
		if last != 0 {
			t.Errorf("Follow says the lost log ends at %d, want 0", last)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Follow did not notice that the log ends before where it reads it")
	}
	if _, err := writer.Append(ctx, plenary, 0, []rooms.Event{event(1), event(2)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []uint64{1, 2} {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("Follow read entry %d of the log written anew, want %d", seq, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("Follow never read entry %d of the log written anew", want)
		}
	}
}
