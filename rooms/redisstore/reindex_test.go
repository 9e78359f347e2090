package redisstore_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// Rooms that earlier code half-created, a log without an index entry, are
// listed by a store opened on them, and indexed for good.
func TestReindex(t *testing.T) {
	t.Parallel()
	c, prefix := redistest.Client(t)
	reindexesOldRooms(t, c, func() redis.UniversalClient { return redistest.NewClient(t) }, prefix)
}

func reindexesOldRooms(t *testing.T, c redis.UniversalClient, another func() redis.UniversalClient, prefix string) {
	ctx := t.Context()
	s := redisstore.New(c, prefix)
	if _, err := s.Append(ctx, rooms.RoomLog("indexed"), 0, []rooms.Event{event(1)}); err != nil {
		t.Fatal(err)
	}
	want := []string{"indexed"}
	for i := range 30 {
		room := fmt.Sprintf("old-%02d", i)
		writeOldRoom(t, c, prefix+":{"+room+"}:log")
		want = append(want, room)
	}
	// Only a room's own log makes it a room, not another of its logs.
	writeOldRoom(t, c, prefix+":{beta}:log:transcript-fr")
	// Other keys, enough that the scan takes several pages.
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 2500 {
			p.Set(ctx, fmt.Sprintf("%s:{filler-%d}:media", prefix, i), "x", 0)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)

	if cc, ok := c.(*redis.ClusterClient); ok {
		masters := map[string]bool{}
		for _, room := range want {
			node, err := cc.MasterForKey(ctx, prefix+":{"+room+"}:log")
			if err != nil {
				t.Fatal(err)
			}
			masters[node.Options().Addr] = true
		}
		if len(masters) < 2 {
			t.Fatalf("%d rooms on %d masters; the test needs them spread", len(want), len(masters))
		}
	}

	opened := redisstore.New(another(), prefix)
	if got, err := opened.Rooms(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("Rooms of a store opened on half-created rooms = %q, %v; want %q", got, err, want)
	}
	indexed, err := c.SMembers(ctx, prefix+":rooms").Result()
	if slices.Sort(indexed); err != nil || !slices.Equal(indexed, want) {
		t.Errorf("%s:rooms after the repair = %q, %v; want %q", prefix, indexed, err, want)
	}
	// The rooms open as any other: their logs go on where they were.
	if _, err := opened.Append(ctx, rooms.RoomLog("old-00"), 1, []rooms.Event{event(2)}); err != nil {
		t.Errorf("appending to a re-indexed room: %v", err)
	}
}

// writeOldRoom writes a first event to the log at key as earlier code did
// when it failed before indexing the room: the log alone.
func writeOldRoom(t *testing.T, c redis.UniversalClient, key string) {
	t.Helper()
	e := event(1)
	e.Seq = 1
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.XAdd(t.Context(), &redis.XAddArgs{Stream: key, ID: "1-0", Values: []any{"e", b}}).Err(); err != nil {
		t.Fatal(err)
	}
}
