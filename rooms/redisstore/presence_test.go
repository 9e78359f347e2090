package redisstore_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

func counts(role string, n int) rooms.Presence {
	p := rooms.NewPresence()
	for range n {
		p.Add(rooms.Participant{Role: role, Mode: rooms.ModeRemote}, 1)
	}
	return p
}

// Each node posts all its rooms at once, and every room's counts add up
// over the nodes.
func TestPresenceAddsUpAcrossNodesAndRooms(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	presenceAddsUp(t, redisstore.New(c, prefix))
}

func presenceAddsUp(t *testing.T, s *redisstore.Store) {
	ctx := t.Context()
	if _, err := s.SharePresence(ctx, "node-a", map[string]rooms.Presence{"plenary": counts("participant", 3), "side-room": counts("participant", 7)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	all, err := s.SharePresence(ctx, "node-b", map[string]rooms.Presence{"plenary": counts("chair", 1)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if p := all["plenary"]; len(all) != 1 || p.Total != 4 || p.ByRole["chair"] != 1 || p.ByMode["remote"] != 4 {
		t.Fatalf("node b reads %+v; want plenary alone, 4 across both nodes", all)
	}
	all, err = s.SharePresence(ctx, "node-a", map[string]rooms.Presence{"plenary": counts("participant", 2), "side-room": counts("participant", 7)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if all["plenary"].Total != 3 || all["side-room"].Total != 7 {
		t.Errorf("node a reads %+v; want plenary 3 (its new count replaces its old) and side-room 7", all)
	}
}

// Counts outlive their ttl by Redis's clock, not by the node's: a node's
// clock need not agree with another's. The test moves the clock of a
// Redis of its own.
func TestPresenceExpiresByRedisClock(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	redisNow := time.Now().Add(-time.Hour) // Redis's clock an hour behind the node's
	m.SetTime(redisNow)
	s := redisstore.New(redis.NewClient(&redis.Options{Addr: m.Addr()}), "parley")
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	const ttl = 5 * time.Second
	if _, err := s.SharePresence(ctx, "node-b", map[string]rooms.Presence{"plenary": counts("chair", 1)}, ttl); err != nil {
		t.Fatal(err)
	}
	all, err := s.SharePresence(ctx, "node-a", map[string]rooms.Presence{"plenary": counts("participant", 3)}, ttl)
	if err != nil || all["plenary"].Total != 4 {
		t.Fatalf("within the ttl: %+v, %v; want both nodes' 4", all, err)
	}
	m.SetTime(redisNow.Add(ttl + time.Millisecond)) // node b has not posted since
	all, err = s.SharePresence(ctx, "node-a", map[string]rooms.Presence{"plenary": counts("participant", 3)}, ttl)
	if err != nil || all["plenary"].Total != 3 || all["plenary"].ByRole["chair"] != 0 {
		t.Errorf("past node b's ttl by Redis's clock: %+v, %v; want node a's 3 alone", all, err)
	}
}
