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
	"errors"
	"slices"
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
		raceAppend(t, []rooms.Store{s}, rooms.RoomLog("race"))
	})
	t.Run("RoomsIsolated", func(t *testing.T) { testIsolation(t, fresh(t)) })
	t.Run("Rooms", func(t *testing.T) { testRooms(t, fresh(t)) })
	t.Run("Channels", func(t *testing.T) { testChannels(t, fresh(t)) })
	t.Run("Ping", func(t *testing.T) {
		if err := fresh(t).Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	t.Run("MirrorBalance", func(t *testing.T) { testMirrorBalance(t, fresh(t)) })
	t.Run("HashChain", func(t *testing.T) { testHashChain(t, fresh(t)) })
}

// RunDurable checks that a store's log survives Close: open returns a store
// and a function that opens it again on the same underlying data (a restart
// of the process). The suite closes the store before calling reopen.
func RunDurable(t *testing.T, open func(t *testing.T) (s rooms.Store, reopen func() rooms.Store)) {
	ctx := t.Context()
	s, reopen := open(t)

	appendOK(t, s, plenary, 0, newEvent("hand.raised", `{"request":1}`))
	appendOK(t, s, plenary, 1, newEvent("hand.raised", `{"request":2}`), newEvent("floor.given", ""))
	appendOK(t, s, plenary, 3, fieldEvents()...)
	appendOK(t, s, rooms.RoomLog("side-room"), 0, newEvent("room.created", `{"title":"Side"}`))
	captions := appendOK(t, s, caption, 0, newEvent("segment", `{"text":"Good morning"}`))
	if _, err := s.Append(ctx, plenary, 1, []rooms.Event{newEvent("lost", "")}); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append at a stale sequence: got %v, want ErrConflict", err)
	}
	want := snapshot(t, s)
	closeStore(t, s)

	// The reopened store must not only read the same log but also go on
	// appending to it, refusing stale sequences as before.
	again := reopen()
	compareSnapshots(t, "after reopen", snapshot(t, again), want)
	checkEvents(t, "channel after reopen", readAll(t, again, caption), captions)
	last := want.last["plenary"]
	if _, err := again.Append(ctx, plenary, last-1, []rooms.Event{newEvent("lost", "")}); !errors.Is(err, rooms.ErrConflict) {
		t.Fatalf("Append at a stale sequence after reopen: got %v, want ErrConflict", err)
	}
	appendOK(t, again, plenary, last, newEvent("floor.released", ""))
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
		want := appendOK(t, a, plenary, 0, newEvent("hand.raised", `{"request":1}`))
		checkEvents(t, "read through the other store", readAll(t, b, plenary), want)
		if _, err := b.Append(t.Context(), plenary, 0, []rooms.Event{newEvent("lost", "")}); !errors.Is(err, rooms.ErrConflict) {
			t.Fatalf("Append at 0 through the other store: got %v, want ErrConflict", err)
		}
		want = append(want, appendOK(t, b, plenary, 1, newEvent("floor.given", ""))...)
		checkEvents(t, "read back", readAll(t, a, plenary), want)
		if got, err := a.Rooms(t.Context()); err != nil || !slices.Equal(got, []string{"plenary"}) {
			t.Fatalf("Rooms = %q, %v; want [plenary]", got, err)
		}
	})
	t.Run("RacingAppends", func(t *testing.T) { raceAppend(t, fresh(t), rooms.RoomLog("race")) })
}

// base is the time of the suite's first event: nanoseconds and a zone that
// is not UTC, so a store that rounds or drops the zone's offset shows.
var base = time.Date(2014, time.April, 23, 9, 30, 0, 123456789, time.FixedZone("BRT", -3*60*60))
