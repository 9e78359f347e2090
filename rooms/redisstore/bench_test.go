package redisstore_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// benchEvent is an event of a typical size: a raised hand with the
// attributes the queue counts.
func benchEvent(n int) rooms.Event {
	return rooms.Event{
		Time:  time.Date(2014, time.April, 23, 9, 30, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond),
		Actor: rooms.Actor{Sub: fmt.Sprintf("participant-%d", n%1500), Name: "Ana Souza", Role: "participant"},
		Type:  "hand.raised",
		Data: json.RawMessage(fmt.Sprintf(
			`{"request":%d,"group":"civil-society","region":"latin-america-caribbean","gender":"woman","mode":"remote","country":"BR"}`, n)),
	}
}

// BenchmarkReplay100k measures reading a room of 100,000 events, as a node
// does when it loads a room. The log is appended in batches of 1,000,
// which stores the same entries as single appends, only faster.
func BenchmarkReplay100k(b *testing.B) {
	const n, batch = 100_000, 1000
	c, prefix := redistest.Client(b)
	s := redisstore.New(c, prefix)
	for from := 0; from < n; from += batch {
		events := make([]rooms.Event, batch)
		for i := range events {
			events[i] = benchEvent(from + i)
		}
		if _, err := s.Append(b.Context(), rooms.RoomLog("plenary"), uint64(from), events); err != nil {
			b.Fatal(err)
		}
	}

	b.ReportAllocs()
	for b.Loop() {
		events, err := s.Read(b.Context(), rooms.RoomLog("plenary"), 0, 0)
		if err != nil || len(events) != n {
			b.Fatalf("Read = %d events, %v; want %d", len(events), err, n)
		}
	}
}

// BenchmarkAppend measures one-event appends to one room.
func BenchmarkAppend(b *testing.B) {
	c, prefix := redistest.Client(b)
	s := redisstore.New(c, prefix)
	var last uint64
	for b.Loop() {
		if _, err := s.Append(b.Context(), rooms.RoomLog("plenary"), last, []rooms.Event{benchEvent(int(last))}); err != nil {
			b.Fatal(err)
		}
		last++
	}
}
