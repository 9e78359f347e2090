// Package storetest is the conformance suite of rooms.Store: every store of
// a room's event log passes it, so the room domain can rely on one contract
// whichever store a deployment picks.
//
// A store's tests call Run with a function that opens a fresh, empty,
// isolated store; stores that keep their log across restarts also call
// RunDurable, and stores shared by several processes call RunShared. The
// suite closes every store it is given when the test that opened it ends.
//
// The suite pins down two choices the interface leaves open: appending an
// empty batch is an error wrapping rooms.ErrInvalid (a command that produces
// no events has nothing to append, so asking is a bug), and Data is compared
// as JSON, not as bytes, because a store may compact it.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// Run checks that the stores open returns keep the rooms.Store contract.
// Each call of open must return a new store that shares nothing with the
// stores of other calls, because the subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) rooms.Store) {
	fresh := func(t *testing.T) rooms.Store {
		t.Parallel()
		s := open(t)
		t.Cleanup(func() { closeStore(t, s) })
		return s
	}

	t.Run("AppendNumbersFromOne", func(t *testing.T) { testAppendNumbers(t, fresh(t)) })
	t.Run("FieldsRoundTrip", func(t *testing.T) { testFieldsRoundTrip(t, fresh(t)) })
	t.Run("EmptyData", func(t *testing.T) { testEmptyData(t, fresh(t)) })
	t.Run("ReadAfter", func(t *testing.T) { testReadAfter(t, fresh(t)) })
	t.Run("ReadLimit", func(t *testing.T) { testReadLimit(t, fresh(t)) })
	t.Run("UnknownRoom", func(t *testing.T) { testUnknownRoom(t, fresh(t)) })
	t.Run("Conflict", func(t *testing.T) { testConflict(t, fresh(t)) })
	t.Run("ConflictOnNewRoom", func(t *testing.T) { testConflictOnNewRoom(t, fresh(t)) })
	t.Run("BatchAllOrNothing", func(t *testing.T) { testBatchAllOrNothing(t, fresh(t)) })
	t.Run("EmptyBatch", func(t *testing.T) { testEmptyBatch(t, fresh(t)) })
	t.Run("ConcurrentAppend", func(t *testing.T) {
		s := fresh(t)
		raceAppend(t, []rooms.Store{s}, "race")
	})
	t.Run("RoomsIsolated", func(t *testing.T) { testIsolation(t, fresh(t)) })
	t.Run("Rooms", func(t *testing.T) { testRooms(t, fresh(t)) })
	t.Run("Ping", func(t *testing.T) {
		if err := fresh(t).Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	t.Run("MirrorBalance", func(t *testing.T) { testMirrorBalance(t, fresh(t)) })
}

// RunDurable checks that a store's log survives Close: open returns a store
// and a function that opens it again on the same underlying data (a restart
// of the process). The suite closes the store before calling reopen.
func RunDurable(t *testing.T, open func(t *testing.T) (s rooms.Store, reopen func() rooms.Store)) {
	ctx := t.Context()
	s, reopen := open(t)

	appendOK(t, s, "plenary", 0, newEvent("hand.raised", `{"request":1}`))
	appendOK(t, s, "plenary", 1, newEvent("hand.raised", `{"request":2}`), newEvent("floor.given", ""))
	appendOK(t, s, "plenary", 3, fieldEvents()...)
	appendOK(t, s, "side-room", 0, newEvent("room.created", `{"title":"Side"}`))
	if _, err := s.Append(ctx, "plenary", 1, []rooms.Event{newEvent("lost", "")}); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append at a stale sequence: got %v, want ErrConflict", err)
	}
	want := snapshot(t, s)
	closeStore(t, s)

	// The reopened store must not only read the same log but also go on
	// appending to it, refusing stale sequences as before.
	again := reopen()
	compareSnapshots(t, "after reopen", snapshot(t, again), want)
	last := want.last["plenary"]
	if _, err := again.Append(ctx, "plenary", last-1, []rooms.Event{newEvent("lost", "")}); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append at a stale sequence after reopen: got %v, want ErrConflict", err)
	}
	appendOK(t, again, "plenary", last, newEvent("floor.released", ""))
	want = snapshot(t, again)
	closeStore(t, again)

	third := reopen()
	t.Cleanup(func() { closeStore(t, third) })
	compareSnapshots(t, "after a second reopen", snapshot(t, third), want)
}

// RunShared checks stores that several processes share: open returns two
// or more stores over one and the same log (as if opened by different
// processes), fresh for each call.
func RunShared(t *testing.T, open func(t *testing.T) []rooms.Store) {
	fresh := func(t *testing.T) []rooms.Store {
		t.Parallel()
		stores := open(t)
		if len(stores) < 2 {
			t.Fatalf("open returned %d stores, want at least 2", len(stores))
		}
		for _, s := range stores {
			t.Cleanup(func() { closeStore(t, s) })
		}
		return stores
	}

	t.Run("SeeEachOther", func(t *testing.T) {
		stores := fresh(t)
		a, b := stores[0], stores[1]
		want := appendOK(t, a, "plenary", 0, newEvent("hand.raised", `{"request":1}`))
		checkEvents(t, "read through the other store", readAll(t, b, "plenary"), want)
		if _, err := b.Append(t.Context(), "plenary", 0, []rooms.Event{newEvent("lost", "")}); !errors.Is(err, rooms.ErrConflict) {
			t.Fatalf("Append at 0 through the other store: got %v, want ErrConflict", err)
		}
		want = append(want, appendOK(t, b, "plenary", 1, newEvent("floor.given", ""))...)
		checkEvents(t, "read back", readAll(t, a, "plenary"), want)
		if got, err := a.Rooms(t.Context()); err != nil || !slices.Equal(got, []string{"plenary"}) {
			t.Fatalf("Rooms = %q, %v; want [plenary]", got, err)
		}
	})
	t.Run("RacingAppends", func(t *testing.T) { raceAppend(t, fresh(t), "race") })
}

// base is the time of the suite's first event: nanoseconds and a zone that
// is not UTC, so a store that rounds or drops the zone's offset shows.
var base = time.Date(2014, time.April, 23, 9, 30, 0, 123456789, time.FixedZone("BRT", -3*60*60))

func newEvent(typ, data string) rooms.Event {
	e := rooms.Event{
		Time:  base,
		Actor: rooms.Actor{Sub: "chair-1", Name: "Chair", Role: "chair"},
		Type:  typ,
	}
	if data != "" {
		e.Data = json.RawMessage(data)
	}
	return e
}

// numbered returns n events whose Data says which one they are.
func numbered(n int) []rooms.Event {
	events := make([]rooms.Event, n)
	for i := range events {
		events[i] = newEvent("hand.raised", fmt.Sprintf(`{"n":%d}`, i+1))
		events[i].Time = base.Add(time.Duration(i) * time.Second)
	}
	return events
}

// fieldEvents exercise every field with values that are easy to get wrong.
func fieldEvents() []rooms.Event {
	big := `{"text":"` + strings.Repeat("Palavra é prata, silêncio é ouro. ", 3000) + `"}`
	return []rooms.Event{
		{
			Time:  time.Date(2014, time.April, 24, 18, 59, 59, 999999999, time.UTC),
			Actor: rooms.Actor{Sub: "hub-nairobi", Name: "Nairobi hub — iHub", Role: "hub"},
			Type:  "hub.joined",
			Data:  json.RawMessage(`{ "nested": {"list": [1, 2.5, -3e10, 12345678901234567890], "ok": true, "none": null},` + "\n" + ` "text": "<b>&amp;</b> \u00e9 \"quoted\" 日本語" }`),
		},
		{
			Time:  time.Date(2014, time.April, 23, 8, 0, 0, 1, time.FixedZone("", 5*60*60+30*60)),
			Actor: rooms.Actor{Sub: "system"},
			Type:  "room.opened",
		},
		{
			Time:  base.Add(time.Microsecond + time.Nanosecond),
			Actor: rooms.Actor{Sub: "captioner-es", Role: "captioner"},
			Type:  "transcript.large",
			Data:  json.RawMessage(big),
		},
	}
}

// appendOK appends events and checks the result, returning what was appended.
func appendOK(t *testing.T, s rooms.Store, room string, expected uint64, events ...rooms.Event) []rooms.Event {
	t.Helper()
	got, err := s.Append(t.Context(), room, expected, events)
	if err != nil {
		t.Fatalf("Append(%q, %d, %d events): %v", room, expected, len(events), err)
	}
	want := numberFrom(expected, events)
	checkEvents(t, fmt.Sprintf("Append(%q, %d) result", room, expected), got, want)
	return want
}

// numberFrom returns a copy of events numbered expected+1, expected+2, ...
func numberFrom(expected uint64, events []rooms.Event) []rooms.Event {
	out := slices.Clone(events)
	for i := range out {
		out[i].Seq = expected + uint64(i) + 1
	}
	return out
}

func readAll(t *testing.T, s rooms.Store, room string) []rooms.Event {
	t.Helper()
	got, err := s.Read(t.Context(), room, 0, 0)
	if err != nil {
		t.Fatalf("Read(%q, 0, 0): %v", room, err)
	}
	return got
}

func lastSeq(t *testing.T, s rooms.Store, room string) uint64 {
	t.Helper()
	last, err := s.LastSeq(t.Context(), room)
	if err != nil {
		t.Fatalf("LastSeq(%q): %v", room, err)
	}
	return last
}

func closeStore(t *testing.T, s rooms.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// checkEvents fails t unless got and want are the same events: Time as an
// instant, Data as equivalent JSON, everything else exactly.
func checkEvents(t *testing.T, what string, got, want []rooms.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events, want %d", what, len(got), len(want))
	}
	for i := range want {
		if err := sameEvent(got[i], want[i]); err != nil {
			t.Fatalf("%s: event %d: %v", what, i, err)
		}
	}
}

func sameEvent(got, want rooms.Event) error {
	switch {
	case got.Seq != want.Seq:
		return fmt.Errorf("Seq = %d, want %d", got.Seq, want.Seq)
	case !got.Time.Equal(want.Time):
		return fmt.Errorf("seq %d: Time = %s, want %s", want.Seq, got.Time.Format(time.RFC3339Nano), want.Time.Format(time.RFC3339Nano))
	case got.Actor != want.Actor:
		return fmt.Errorf("seq %d: Actor = %+v, want %+v", want.Seq, got.Actor, want.Actor)
	case got.Type != want.Type:
		return fmt.Errorf("seq %d: Type = %q, want %q", want.Seq, got.Type, want.Type)
	case !sameJSON(got.Data, want.Data):
		return fmt.Errorf("seq %d: Data = %.200s, want %.200s", want.Seq, got.Data, want.Data)
	}
	return nil
}

// sameJSON reports whether a and b are the same JSON value. Numbers are
// compared as written, so a store that round-trips them through float64 and
// loses digits fails. Empty means no Data at all.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	va, erra := decodeJSON(a)
	vb, errb := decodeJSON(b)
	return erra == nil && errb == nil && reflect.DeepEqual(va, vb)
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func testAppendNumbers(t *testing.T, s rooms.Store) {
	events := numbered(5)
	// The store numbers events itself, whatever the caller left in Seq.
	events[0].Seq = 42
	want := appendOK(t, s, "plenary", 0, events[:3]...)
	want = append(want, appendOK(t, s, "plenary", 3, events[3:]...)...)
	if want[0].Seq != 1 {
		t.Fatalf("first event has Seq %d, want 1", want[0].Seq)
	}
	checkEvents(t, "Read", readAll(t, s, "plenary"), want)
	if last := lastSeq(t, s, "plenary"); last != 5 {
		t.Fatalf("LastSeq = %d, want 5", last)
	}
}

func testFieldsRoundTrip(t *testing.T, s rooms.Store) {
	events := fieldEvents()
	want := appendOK(t, s, "plenary", 0, events[0])
	want = append(want, appendOK(t, s, "plenary", 1, events[1:]...)...)
	checkEvents(t, "Read", readAll(t, s, "plenary"), want)
}

func testEmptyData(t *testing.T, s rooms.Store) {
	nilData := newEvent("floor.released", "")
	emptyData := newEvent("floor.released", "")
	emptyData.Data = json.RawMessage{}
	want := appendOK(t, s, "plenary", 0, nilData, emptyData)
	got := readAll(t, s, "plenary")
	checkEvents(t, "Read", got, want)
}

func testReadAfter(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, "plenary", 0, numbered(4)...)
	want = append(want, appendOK(t, s, "plenary", 4, numbered(6)...)...)
	for after := range uint64(len(want)) + 3 {
		got, err := s.Read(t.Context(), "plenary", after, 0)
		if err != nil {
			t.Fatalf("Read(after %d): %v", after, err)
		}
		checkEvents(t, fmt.Sprintf("Read(after %d)", after), got, want[min(after, uint64(len(want))):])
	}
}

func testReadLimit(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, "plenary", 0, numbered(10)...)
	for _, c := range []struct {
		after       uint64
		limit, from int
		to          int
	}{
		{after: 0, limit: 1, from: 0, to: 1},
		{after: 0, limit: 3, from: 0, to: 3},
		{after: 2, limit: 3, from: 2, to: 5},
		{after: 7, limit: 3, from: 7, to: 10},
		{after: 7, limit: 100, from: 7, to: 10},
		{after: 0, limit: 10, from: 0, to: 10},
		{after: 5, limit: -1, from: 5, to: 10},
		{after: 10, limit: 5, from: 10, to: 10},
	} {
		got, err := s.Read(t.Context(), "plenary", c.after, c.limit)
		if err != nil {
			t.Fatalf("Read(after %d, limit %d): %v", c.after, c.limit, err)
		}
		checkEvents(t, fmt.Sprintf("Read(after %d, limit %d)", c.after, c.limit), got, want[c.from:c.to])
	}
}

func testUnknownRoom(t *testing.T, s rooms.Store) {
	appendOK(t, s, "plenary", 0, numbered(2)...)
	for _, after := range []uint64{0, 5} {
		got, err := s.Read(t.Context(), "nowhere", after, 0)
		if err != nil || len(got) != 0 {
			t.Fatalf("Read of an unknown room after %d = %d events, %v; want none, no error", after, len(got), err)
		}
	}
	if last := lastSeq(t, s, "nowhere"); last != 0 {
		t.Fatalf("LastSeq of an unknown room = %d, want 0", last)
	}
}

func testConflict(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, "plenary", 0, numbered(3)...)
	for _, expected := range []uint64{0, 1, 2, 4, 100} {
		_, err := s.Append(t.Context(), "plenary", expected, numbered(2))
		if !errors.Is(err, rooms.ErrConflict) {
			t.Fatalf("Append at %d to a log at 3: got %v, want an error wrapping ErrConflict", expected, err)
		}
	}
	checkEvents(t, "Read after conflicts", readAll(t, s, "plenary"), want)
	if last := lastSeq(t, s, "plenary"); last != 3 {
		t.Fatalf("LastSeq after conflicts = %d, want 3", last)
	}
}

func testConflictOnNewRoom(t *testing.T, s rooms.Store) {
	if _, err := s.Append(t.Context(), "plenary", 1, numbered(1)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append at 1 to a new room: got %v, want an error wrapping ErrConflict", err)
	}
	if got := readAll(t, s, "plenary"); len(got) != 0 {
		t.Fatalf("a refused append left %d events", len(got))
	}
	if got, err := s.Rooms(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Rooms after a refused append = %q, %v; want none", got, err)
	}
}

func testBatchAllOrNothing(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, "plenary", 0, numbered(1)...)
	if _, err := s.Append(t.Context(), "plenary", 0, numbered(5)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append of a batch at a stale sequence: got %v, want ErrConflict", err)
	}
	checkEvents(t, "Read after a refused batch", readAll(t, s, "plenary"), want)
	want = append(want, appendOK(t, s, "plenary", 1, numbered(5)...)...)
	checkEvents(t, "Read after a batch", readAll(t, s, "plenary"), want)
}

func testEmptyBatch(t *testing.T, s rooms.Store) {
	for _, events := range [][]rooms.Event{nil, {}} {
		if _, err := s.Append(t.Context(), "plenary", 0, events); !errors.Is(err, rooms.ErrInvalid) {
			t.Fatalf("Append of %#v: got %v, want an error wrapping ErrInvalid", events, err)
		}
	}
	if last := lastSeq(t, s, "plenary"); last != 0 {
		t.Fatalf("LastSeq after empty appends = %d, want 0", last)
	}
	if got, err := s.Rooms(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Rooms after empty appends = %q, %v; want none", got, err)
	}
}

func testIsolation(t *testing.T, s rooms.Store) {
	a := appendOK(t, s, "room-a", 0, newEvent("hand.raised", `{"room":"a"}`))
	b := appendOK(t, s, "room-b", 0, newEvent("hand.raised", `{"room":"b"}`))
	a = append(a, appendOK(t, s, "room-a", 1, newEvent("floor.given", `{"room":"a"}`))...)
	if _, err := s.Append(t.Context(), "room-b", 2, numbered(1)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append to room-b at room-a's sequence: got %v, want ErrConflict", err)
	}
	checkEvents(t, "room-a", readAll(t, s, "room-a"), a)
	checkEvents(t, "room-b", readAll(t, s, "room-b"), b)
	if last := lastSeq(t, s, "room-b"); last != 1 {
		t.Fatalf("LastSeq(room-b) = %d, want 1", last)
	}
}

func testRooms(t *testing.T, s rooms.Store) {
	if got, err := s.Rooms(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Rooms of an empty store = %q, %v; want none", got, err)
	}
	for _, room := range []string{"zeta", "m_2", "alpha", "m-1", "0day"} {
		appendOK(t, s, room, 0, numbered(1)...)
	}
	appendOK(t, s, "alpha", 1, numbered(1)...)
	got, err := s.Rooms(t.Context())
	if err != nil {
		t.Fatalf("Rooms: %v", err)
	}
	if want := []string{"0day", "alpha", "m-1", "m_2", "zeta"}; !slices.Equal(got, want) {
		t.Fatalf("Rooms = %q, want %q", got, want)
	}
}

func testMirrorBalance(t *testing.T, s rooms.Store) {
	m, ok := s.(rooms.BalanceMirror)
	if !ok {
		t.Skip("the store does not mirror balance figures")
	}
	appendOK(t, s, "plenary", 0, numbered(2)...)
	b := rooms.Balance{
		Seq:     2,
		Measure: "time",
		Totals:  rooms.Totals{Requests: 3, Turns: 2, Seconds: 241.5},
		Dimensions: map[string][]rooms.CategoryBalance{
			"group": {
				{Category: "civil-society", Requests: 2, Turns: 1, Seconds: 120.25, RequestShare: 2.0 / 3, TurnShare: 0.5, TimeShare: 0.498, Target: 0.2},
				{Category: "government", Requests: 1, Turns: 1, Seconds: 121.25, RequestShare: 1.0 / 3, TurnShare: 0.5, TimeShare: 0.502, Target: 0.2},
			},
			"mode": {{Category: "remote", Requests: 3, Turns: 2, Seconds: 241.5, RequestShare: 1, TurnShare: 1, TimeShare: 1, Target: 1.0 / 3}},
		},
	}
	if err := m.MirrorBalance(t.Context(), "plenary", 2, b); err != nil {
		t.Fatalf("MirrorBalance: %v", err)
	}
	// Replacing with fewer categories and dimensions must work too.
	b.Dimensions = map[string][]rooms.CategoryBalance{"group": b.Dimensions["group"][:1]}
	if err := m.MirrorBalance(t.Context(), "plenary", 2, b); err != nil {
		t.Fatalf("MirrorBalance replacing the figures: %v", err)
	}
}

// raceAppend has many writers compare-and-append to one room through
// stores (writer w uses stores[w % len(stores)]), each reading LastSeq and
// retrying on conflict, while a reader watches the log grow. The log must
// end up gapless, with every successful batch in it exactly once and in one
// piece, and no two writers may succeed at the same expected sequence.
func raceAppend(t *testing.T, stores []rooms.Store, room string) {
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
			got, err := stores[0].Read(ctx, room, seen, 0)
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
					expected, err := s.LastSeq(ctx, room)
					if err != nil {
						t.Errorf("writer %d: LastSeq: %v", w, err)
						return
					}
					got, err := s.Append(ctx, room, expected, batch)
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

	log := readAll(t, stores[0], room)
	total := 0
	for i := range batches {
		total += writers * batchLen(i)
	}
	if len(log) != total {
		t.Fatalf("log has %d events, want %d", len(log), total)
	}
	marks := make([]mark, len(log))
	found := make(map[mark]bool)
	for i, e := range log {
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
		snap.events[id] = readAll(t, s, id)
		snap.last[id] = lastSeq(t, s, id)
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
