package redisstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/rooms/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) rooms.Store {
		c, prefix := redistest.Client(t)
		return redisstore.New(c, prefix)
	})
}

func TestDurable(t *testing.T) {
	t.Parallel()
	storetest.RunDurable(t, func(t *testing.T) (rooms.Store, func() rooms.Store) {
		c, prefix := redistest.Client(t)
		return redisstore.New(c, prefix), func() rooms.Store {
			return redisstore.New(redistest.NewClient(t), prefix)
		}
	})
}

// TestShared runs stores of two clients, as two processes would, on one log.
func TestShared(t *testing.T) {
	t.Parallel()
	storetest.RunShared(t, func(t *testing.T) []rooms.Store {
		c, prefix := redistest.Client(t)
		return []rooms.Store{
			redisstore.New(c, prefix),
			redisstore.New(redistest.NewClient(t), prefix),
		}
	})
}

func event(n int) rooms.Event {
	return rooms.Event{
		Time:  time.Date(2014, time.April, 23, 9, 30, n, 0, time.UTC),
		Actor: rooms.Actor{Sub: "chair-1", Role: "chair"},
		Type:  "hand.raised",
		Data:  json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)),
	}
}

func TestKeyLayout(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	if _, err := s.Append(ctx, rooms.RoomLog("plenary"), 0, []rooms.Event{event(1), event(2)}); err != nil {
		t.Fatal(err)
	}

	msgs, err := c.XRange(ctx, prefix+":{plenary}:log", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].ID != "1-0" || msgs[1].ID != "2-0" {
		t.Fatalf("stream entries = %v, want IDs 1-0 and 2-0", msgs)
	}
	var stored rooms.Event
	if err := json.Unmarshal([]byte(msgs[1].Values["e"].(string)), &stored); err != nil || stored.Seq != 2 {
		t.Fatalf("entry 2-0 holds %v (%v), want an event with seq 2", msgs[1].Values, err)
	}
	if ok, err := c.SIsMember(ctx, prefix+":rooms", "plenary").Result(); err != nil || !ok {
		t.Fatalf("plenary in %s:rooms = %v, %v", prefix, ok, err)
	}
}

func TestMirrorBalance(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, prefix)
	ctx := t.Context()
	hash := func(key string) map[string]string {
		t.Helper()
		h, err := c.HGetAll(ctx, prefix+":{plenary}:"+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	b := rooms.Balance{
		Seq:     7,
		Measure: "time",
		Totals:  rooms.Totals{Requests: 3, Turns: 2, Seconds: 241.5},
		Dimensions: map[string][]rooms.CategoryBalance{
			"group": {
				{Category: "civil-society", Requests: 2, Turns: 1, Seconds: 120.25, Target: 0.2},
				{Category: "government", Requests: 1, Turns: 1, Seconds: 121.25, Target: 0.2},
			},
			"region": {{Category: "africa", Requests: 3, Turns: 2, Seconds: 241.5, Target: 0.2}},
		},
	}
	if err := s.MirrorBalance(ctx, "plenary", 7, b); err != nil {
		t.Fatal(err)
	}
	if got, want := hash("balance"), map[string]string{
		"seq": "7", "measure": "time", "requests": "3", "turns": "2", "seconds": "241.5", "dimensions": "group,region",
	}; !maps.Equal(got, want) {
		t.Fatalf("balance hash = %v, want %v", got, want)
	}
	if got, want := hash("balance:group"), map[string]string{
		"civil-society.requests": "2", "civil-society.turns": "1", "civil-society.seconds": "120.25", "civil-society.target": "0.2",
		"government.requests": "1", "government.turns": "1", "government.seconds": "121.25", "government.target": "0.2",
	}; !maps.Equal(got, want) {
		t.Fatalf("balance:group hash = %v, want %v", got, want)
	}

	// A newer balance without government and without region replaces the
	// old one entirely.
	b.Dimensions = map[string][]rooms.CategoryBalance{"group": b.Dimensions["group"][:1]}
	b.Totals.Requests = 4
	if err := s.MirrorBalance(ctx, "plenary", 8, b); err != nil {
		t.Fatal(err)
	}
	if got := hash("balance:group"); len(got) != 4 || got["civil-society.turns"] != "1" {
		t.Fatalf("balance:group hash after replace = %v, want only civil-society", got)
	}
	if got := hash("balance:region"); len(got) != 0 {
		t.Fatalf("balance:region after its dimension was dropped = %v, want gone", got)
	}

	// Figures older than the mirrored ones are left out.
	b.Totals.Requests = 1
	if err := s.MirrorBalance(ctx, "plenary", 5, b); err != nil {
		t.Fatal(err)
	}
	if got := hash("balance"); got["seq"] != "8" || got["requests"] != "4" {
		t.Fatalf("balance hash after an older mirror = %v, want seq 8 kept", got)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	s := redisstore.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}), "parley")
	defer s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping of an unreachable Redis succeeded")
	}
	if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 0, []rooms.Event{event(1)}); err == nil || errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append to an unreachable Redis: got %v, want a non-conflict error", err)
	}
}

// TestScriptReloaded checks that Append still works when Redis has lost
// the script (a restart, SCRIPT FLUSH, failover to a fresh replica).
func TestScriptReloaded(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	s := redisstore.New(c, prefix)
	if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 0, []rooms.Event{event(1)}); err != nil {
		t.Fatal(err)
	}
	if err := c.ScriptFlush(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), 1, []rooms.Event{event(2)}); err != nil {
		t.Fatalf("Append after SCRIPT FLUSH: %v", err)
	}
}
