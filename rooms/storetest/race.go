package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// raceAppend has many writers compare-and-append to one room through
// stores (writer w uses stores[w % len(stores)]), each reading LastSeq and
// retrying on conflict, while a reader watches the log grow. The log must
// end up gapless, with every successful batch in it exactly once and in one
// piece, and no two writers may succeed at the same expected sequence.
func raceAppend(t *testing.T, stores []rooms.Store, log rooms.LogID) {
	const writers, batches = 16, 50
	ctx := t.Context()

	// Writer w's batch i has i%3+1 events, each saying who wrote it, so the
	// final log can be checked against what every writer was told.
	type mark struct{ W, I, K int }
	batchLen := func(i int) int { return i%3 + 1 }
	type success struct {
		expected uint64
		w, i     int
	}
	var (
		mu        sync.Mutex
		successes []success
	)

	done := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		// Reads during the race must see the log grow without gaps, a
		// batch at a time: never a part of one.
		var seen uint64
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := stores[0].Read(ctx, log, seen, 0)
			if err != nil {
				t.Errorf("Read during appends: %v", err)
				return
			}
			for i, e := range got {
				if want := seen + uint64(i) + 1; e.Seq != want {
					t.Errorf("Read after %d during appends: event %d has Seq %d, want %d", seen, i, e.Seq, want)
					return
				}
			}
			if len(got) > 0 {
				var m mark
				if err := json.Unmarshal(got[len(got)-1].Data, &m); err != nil || m.K != batchLen(m.I)-1 {
					t.Errorf("Read during appends ends inside a batch: %s (%v)", got[len(got)-1].Data, err)
					return
				}
			}
			seen += uint64(len(got))
		}
	})

	var wg sync.WaitGroup
	for w := range writers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for i := range batches {
				batch := make([]rooms.Event, batchLen(i))
				for k := range batch {
					batch[k] = newEvent("hand.raised", fmt.Sprintf(`{"W":%d,"I":%d,"K":%d}`, w, i, k))
				}
				for {
					expected, err := s.LastSeq(ctx, log)
					if err != nil {
						t.Errorf("writer %d: LastSeq: %v", w, err)
						return
					}
					got, err := s.Append(ctx, log, expected, batch)
					if errors.Is(err, rooms.ErrConflict) {
						continue
					}
					if err != nil {
						t.Errorf("writer %d: Append at %d: %v", w, expected, err)
						return
					}
					for k, e := range got {
						if e.Seq != expected+uint64(k)+1 {
							t.Errorf("writer %d: Append at %d returned Seq %d for event %d", w, expected, e.Seq, k)
						}
					}
					mu.Lock()
					successes = append(successes, success{expected, w, i})
					mu.Unlock()
					break
				}
			}
		})
	}
	wg.Wait()
	close(done)
	reader.Wait()
	if t.Failed() {
		return
	}

	got := readAll(t, stores[0], log)
	total := 0
	for i := range batches {
		total += writers * batchLen(i)
	}
	if len(got) != total {
		t.Fatalf("log has %d events, want %d", len(got), total)
	}
	marks := make([]mark, len(got))
	found := make(map[mark]bool)
	for i, e := range got {
		if e.Seq != uint64(i)+1 {
			t.Fatalf("event %d has Seq %d: the log has a gap or a duplicate", i, e.Seq)
		}
		if err := json.Unmarshal(e.Data, &marks[i]); err != nil {
			t.Fatalf("event %d: %v", e.Seq, err)
		}
		if found[marks[i]] {
			t.Fatalf("event %+v is in the log twice", marks[i])
		}
		found[marks[i]] = true
	}
	winners := make(map[uint64]success)
	for _, s := range successes {
		if other, ok := winners[s.expected]; ok {
			t.Fatalf("writers %d and %d both succeeded at expected %d", other.w, s.w, s.expected)
		}
		winners[s.expected] = s
		for k := range batchLen(s.i) {
			if got, want := marks[s.expected+uint64(k)], (mark{s.w, s.i, k}); got != want {
				t.Fatalf("seq %d holds %+v, but the append at %d of %+v succeeded", s.expected+uint64(k)+1, got, s.expected, want)
			}
		}
	}
}

// storeSnapshot is everything a store says about its rooms.
type storeSnapshot struct {
	rooms  []string
	events map[string][]rooms.Event
	last   map[string]uint64
}

func snapshot(t *testing.T, s rooms.Store) storeSnapshot {
	t.Helper()
	ids, err := s.Rooms(t.Context())
	if err != nil {
		t.Fatalf("Rooms: %v", err)
	}
	snap := storeSnapshot{rooms: ids, events: make(map[string][]rooms.Event), last: make(map[string]uint64)}
	for _, id := range ids {
		snap.events[id] = readAll(t, s, rooms.RoomLog(id))
		snap.last[id] = lastSeq(t, s, rooms.RoomLog(id))
	}
	return snap
}

func compareSnapshots(t *testing.T, what string, got, want storeSnapshot) {
	t.Helper()
	if !slices.Equal(got.rooms, want.rooms) {
		t.Fatalf("%s: Rooms = %q, want %q", what, got.rooms, want.rooms)
	}
	for _, id := range want.rooms {
		checkEvents(t, fmt.Sprintf("%s: room %q", what, id), got.events[id], want.events[id])
		if got.last[id] != want.last[id] {
			t.Fatalf("%s: LastSeq(%q) = %d, want %d", what, id, got.last[id], want.last[id])
		}
	}
}
