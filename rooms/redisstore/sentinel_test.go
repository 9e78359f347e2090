package redisstore_test

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/rooms/storetest"
)

// sentinelStore is a store on the Sentinels' master that waits for one
// replica, as `parley serve --redis-sentinel` makes it, with keys under
// prefix ("parley" if empty).
func sentinelStore(t *testing.T, s *redistest.Sentinel, prefix string) *redisstore.Store {
	t.Helper()
	return sentinelStoreWaiting(t, s, prefix, 1)
}

// sentinelStoreWaiting is sentinelStore with each append waiting for
// replicas replicas to confirm it.
func sentinelStoreWaiting(t *testing.T, s *redistest.Sentinel, prefix string, replicas int) *redisstore.Store {
	t.Helper()
	c, err := redisstore.Dial(s.URL(), redisstore.Sentinel, redistest.SentinelMaster)
	if err != nil {
		t.Fatal(err)
	}
	store := redisstore.NewWithOptions(c, redisstore.Options{Prefix: prefix, Replicas: replicas})
	t.Cleanup(func() { store.Close() })
	return store
}

// The store suite through Sentinels, each append waiting for a replica.
func TestSentinelConformance(t *testing.T) {
	t.Parallel()
	sentinel := redistest.StartSentinel(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) rooms.Store {
		return sentinelStore(t, sentinel, fmt.Sprint("test-", n.Add(1)))
	})
}

// An append no replica has confirmed is not acknowledged: Append says
// Redis is unavailable, and the event is in the master's log all the same
// (outcome unknown, as with any lost reply).
func TestAppendWaitsForTheReplica(t *testing.T) {
	t.Parallel()
	sentinel := redistest.StartSentinel(t)
	s := sentinelStore(t, sentinel, "")
	ctx := t.Context()
	plenary := rooms.RoomLog("plenary")
	if _, err := s.Append(ctx, plenary, 0, []rooms.Event{event(1)}); err != nil {
		t.Fatalf("Append with the replica up: %v", err)
	}
	for _, r := range sentinel.Replicas {
		r.Pause()
	}
	_, err := s.Append(ctx, plenary, 1, []rooms.Event{event(2)})
	for _, r := range sentinel.Replicas {
		r.Resume()
	}
	if !errors.Is(err, rooms.ErrUnavailable) {
		t.Fatalf("Append with the replicas stalled: %v, want ErrUnavailable", err)
	}
	if n, err := s.LastSeq(ctx, plenary); err != nil || n != 2 {
		t.Errorf("the master's log is at %d (%v), want 2", n, err)
	}
	if _, err := s.Append(ctx, plenary, 2, []rooms.Event{event(3)}); err != nil {
		t.Fatalf("Append once the replica is back: %v", err)
	}
}
