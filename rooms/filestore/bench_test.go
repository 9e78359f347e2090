package filestore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// benchEvent is an event of a typical size: a raised hand with the
// attributes the queue counts.
func benchEvent(seq uint64) rooms.Event {
	return rooms.Event{
		Seq:   seq,
		Time:  time.Date(2014, time.April, 23, 9, 30, 0, 0, time.UTC).Add(time.Duration(seq) * time.Millisecond),
		Actor: rooms.Actor{Sub: fmt.Sprintf("participant-%d", seq%1500), Name: "Ana Souza", Role: "participant"},
		Type:  "hand.raised",
		Data: json.RawMessage(fmt.Sprintf(
			`{"request":%d,"group":"civil-society","region":"latin-america-caribbean","gender":"woman","mode":"remote","country":"BR"}`, seq)),
	}
}

// BenchmarkReplay100k measures Open of a room of 100,000 events. The
// journal is written with the store's own record encoder, one event per
// record as single appends leave it, because 100,000 fsynced appends would
// take minutes.
func BenchmarkReplay100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	var journal []byte
	for seq := range uint64(n) {
		record, err := encodeRecord([]rooms.Event{benchEvent(seq + 1)})
		if err != nil {
			b.Fatal(err)
		}
		journal = append(journal, record...)
	}
	if err := os.MkdirAll(filepath.Join(dir, "rooms"), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rooms", "plenary"+journalExt), journal, 0o600); err != nil {
		b.Fatal(err)
	}

	b.SetBytes(int64(len(journal)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if last, err := s.LastSeq(b.Context(), rooms.RoomLog("plenary")); err != nil || last != n {
			b.Fatalf("LastSeq = %d, %v; want %d", last, err, n)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend measures one-event appends to one room, each fsynced.
func BenchmarkAppend(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var last uint64
	for b.Loop() {
		if _, err := s.Append(b.Context(), rooms.RoomLog("plenary"), last, []rooms.Event{benchEvent(0)}); err != nil {
			b.Fatal(err)
		}
		last++
	}
}

// BenchmarkAppendParallelRooms measures one-event appends to many rooms at
// once, which do not wait for each other's fsyncs.
func BenchmarkAppendParallelRooms(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		room := rooms.RoomLog(fmt.Sprintf("room-%d", next.Add(1)))
		var last uint64
		for pb.Next() {
			if _, err := s.Append(b.Context(), room, last, []rooms.Event{benchEvent(0)}); err != nil {
				b.Error(err)
				return
			}
			last++
		}
	})
}
