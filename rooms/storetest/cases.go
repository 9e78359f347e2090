package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

func testAppendNumbers(t *testing.T, s rooms.Store) {
	events := numbered(5)
	// The store numbers events itself, whatever the caller left in Seq.
	events[0].Seq = 42
	want := appendOK(t, s, plenary, 0, events[:3]...)
	want = append(want, appendOK(t, s, plenary, 3, events[3:]...)...)
	if want[0].Seq != 1 {
		t.Fatalf("first event has Seq %d, want 1", want[0].Seq)
	}
	checkEvents(t, "Read", readAll(t, s, plenary), want)
	if last := lastSeq(t, s, plenary); last != 5 {
		t.Fatalf("LastSeq = %d, want 5", last)
	}
}

func testFieldsRoundTrip(t *testing.T, s rooms.Store) {
	events := fieldEvents()
	want := appendOK(t, s, plenary, 0, events[0])
	want = append(want, appendOK(t, s, plenary, 1, events[1:]...)...)
	checkEvents(t, "Read", readAll(t, s, plenary), want)
}

func testEmptyData(t *testing.T, s rooms.Store) {
	nilData := newEvent("floor.released", "")
	emptyData := newEvent("floor.released", "")
	emptyData.Data = json.RawMessage{}
	want := appendOK(t, s, plenary, 0, nilData, emptyData)
	got := readAll(t, s, plenary)
	checkEvents(t, "Read", got, want)
}

func testReadAfter(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, plenary, 0, numbered(4)...)
	want = append(want, appendOK(t, s, plenary, 4, numbered(6)...)...)
	for after := range uint64(len(want)) + 3 {
		got, err := s.Read(t.Context(), plenary, after, 0)
		if err != nil {
			t.Fatalf("Read(after %d): %v", after, err)
		}
		checkEvents(t, fmt.Sprintf("Read(after %d)", after), got, want[min(after, uint64(len(want))):])
	}
}

func testReadLimit(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, plenary, 0, numbered(10)...)
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
		got, err := s.Read(t.Context(), plenary, c.after, c.limit)
		if err != nil {
			t.Fatalf("Read(after %d, limit %d): %v", c.after, c.limit, err)
		}
		checkEvents(t, fmt.Sprintf("Read(after %d, limit %d)", c.after, c.limit), got, want[c.from:c.to])
	}
}

func testUnknownRoom(t *testing.T, s rooms.Store) {
	appendOK(t, s, plenary, 0, numbered(2)...)
	for _, after := range []uint64{0, 5} {
		got, err := s.Read(t.Context(), nowhere, after, 0)
		if err != nil || len(got) != 0 {
			t.Fatalf("Read of an unknown room after %d = %d events, %v; want none, no error", after, len(got), err)
		}
	}
	if last := lastSeq(t, s, nowhere); last != 0 {
		t.Fatalf("LastSeq of an unknown room = %d, want 0", last)
	}
}

func testConflict(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, plenary, 0, numbered(3)...)
	for _, expected := range []uint64{0, 1, 2, 4, 100} {
		_, err := s.Append(t.Context(), plenary, expected, numbered(2))
		if !errors.Is(err, rooms.ErrConflict) {
			t.Fatalf("Append at %d to a log at 3: got %v, want an error wrapping ErrConflict", expected, err)
		}
	}
	checkEvents(t, "Read after conflicts", readAll(t, s, plenary), want)
	if last := lastSeq(t, s, plenary); last != 3 {
		t.Fatalf("LastSeq after conflicts = %d, want 3", last)
	}
}

func testConflictOnNewRoom(t *testing.T, s rooms.Store) {
	if _, err := s.Append(t.Context(), plenary, 1, numbered(1)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append at 1 to a new room: got %v, want an error wrapping ErrConflict", err)
	}
	if got := readAll(t, s, plenary); len(got) != 0 {
		t.Fatalf("a refused append left %d events", len(got))
	}
	if got, err := s.Rooms(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Rooms after a refused append = %q, %v; want none", got, err)
	}
}

func testBatchAllOrNothing(t *testing.T, s rooms.Store) {
	want := appendOK(t, s, plenary, 0, numbered(1)...)
	if _, err := s.Append(t.Context(), plenary, 0, numbered(5)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append of a batch at a stale sequence: got %v, want ErrConflict", err)
	}
	checkEvents(t, "Read after a refused batch", readAll(t, s, plenary), want)
	want = append(want, appendOK(t, s, plenary, 1, numbered(5)...)...)
	checkEvents(t, "Read after a batch", readAll(t, s, plenary), want)
}

func testEmptyBatch(t *testing.T, s rooms.Store) {
	for _, events := range [][]rooms.Event{nil, {}} {
		if _, err := s.Append(t.Context(), plenary, 0, events); !errors.Is(err, rooms.ErrInvalid) {
			t.Fatalf("Append of %#v: got %v, want an error wrapping ErrInvalid", events, err)
		}
	}
	if last := lastSeq(t, s, plenary); last != 0 {
		t.Fatalf("LastSeq after empty appends = %d, want 0", last)
	}
	if got, err := s.Rooms(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Rooms after empty appends = %q, %v; want none", got, err)
	}
}

func testIsolation(t *testing.T, s rooms.Store) {
	a := appendOK(t, s, roomA, 0, newEvent("hand.raised", `{"room":"a"}`))
	b := appendOK(t, s, roomB, 0, newEvent("hand.raised", `{"room":"b"}`))
	a = append(a, appendOK(t, s, roomA, 1, newEvent("floor.given", `{"room":"a"}`))...)
	if _, err := s.Append(t.Context(), roomB, 2, numbered(1)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append to room-b at room-a's sequence: got %v, want ErrConflict", err)
	}
	checkEvents(t, "room-a", readAll(t, s, roomA), a)
	checkEvents(t, "room-b", readAll(t, s, roomB), b)
	if last := lastSeq(t, s, roomB); last != 1 {
		t.Fatalf("LastSeq(room-b) = %d, want 1", last)
	}
}

func testRooms(t *testing.T, s rooms.Store) {
	if got, err := s.Rooms(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Rooms of an empty store = %q, %v; want none", got, err)
	}
	for _, room := range []string{"zeta", "m_2", "alpha", "m-1", "0day"} {
		appendOK(t, s, rooms.RoomLog(room), 0, numbered(1)...)
	}
	appendOK(t, s, rooms.RoomLog("alpha"), 1, numbered(1)...)
	// A room with only other logs is not listed: it was never opened.
	appendOK(t, s, rooms.LogID{Room: "beta", Channel: "transcript-fr"}, 0, numbered(1)...)
	got, err := s.Rooms(t.Context())
	if err != nil {
		t.Fatalf("Rooms: %v", err)
	}
	if want := []string{"0day", "alpha", "m-1", "m_2", "zeta"}; !slices.Equal(got, want) {
		t.Fatalf("Rooms = %q, want %q", got, want)
	}
}

// A room's other logs are logs of their own: numbered from 1, with their
// own conflicts, invisible from the room's event log.
func testChannels(t *testing.T, s rooms.Store) {
	room := appendOK(t, s, plenary, 0, numbered(3)...)
	chan1 := appendOK(t, s, caption, 0, numbered(2)...)
	if chan1[0].Seq != 1 {
		t.Fatalf("a channel's first event has Seq %d, want 1", chan1[0].Seq)
	}
	if _, err := s.Append(t.Context(), caption, 3, numbered(1)); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append to the channel at the room's seq: %v, want ErrConflict", err)
	}
	chan1 = append(chan1, appendOK(t, s, caption, 2, numbered(1)...)...)
	checkEvents(t, "room log", readAll(t, s, plenary), room)
	checkEvents(t, "channel log", readAll(t, s, caption), chan1)
	if last := lastSeq(t, s, rooms.LogID{Room: "plenary", Channel: "transcript-fr"}); last != 0 {
		t.Fatalf("LastSeq of an unused channel = %d, want 0", last)
	}
}

func testMirrorBalance(t *testing.T, s rooms.Store) {
	m, ok := s.(rooms.BalanceMirror)
	if !ok {
		t.Skip("the store does not mirror balance figures")
	}
	appendOK(t, s, plenary, 0, numbered(2)...)
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
	if err := m.MirrorBalance(t.Context(), plenary.Room, 2, b); err != nil {
		t.Fatalf("MirrorBalance: %v", err)
	}
	// Replacing with fewer categories and dimensions must work too.
	b.Dimensions = map[string][]rooms.CategoryBalance{"group": b.Dimensions["group"][:1]}
	if err := m.MirrorBalance(t.Context(), plenary.Room, 2, b); err != nil {
		t.Fatalf("MirrorBalance replacing the figures: %v", err)
	}
}
