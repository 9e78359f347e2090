package rooms_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

// forgetful is a store that can lose everything at once, as a Redis
// without persistence does when it restarts.
type forgetful struct {
	t  *testing.T
	mu sync.Mutex
	s  rooms.Store
}

func newForgetful(t *testing.T) *forgetful {
	f := &forgetful{t: t}
	f.forget()
	return f
}

func (f *forgetful) forget() {
	s, err := filestore.OpenWithOptions(f.t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	f.mu.Lock()
	f.s = s
	f.mu.Unlock()
}

func (f *forgetful) store() rooms.Store {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s
}

func (f *forgetful) Append(ctx context.Context, id rooms.LogID, expected uint64, evs []rooms.Event) ([]rooms.Event, error) {
	return f.store().Append(ctx, id, expected, evs)
}

func (f *forgetful) Read(ctx context.Context, id rooms.LogID, after uint64, limit int) ([]rooms.Event, error) {
	return f.store().Read(ctx, id, after, limit)
}

func (f *forgetful) LastSeq(ctx context.Context, id rooms.LogID) (uint64, error) {
	return f.store().LastSeq(ctx, id)
}

func (f *forgetful) Rooms(ctx context.Context) ([]string, error) { return f.store().Rooms(ctx) }
func (f *forgetful) Ping(ctx context.Context) error              { return f.store().Ping(ctx) }
func (f *forgetful) Close() error                                { return nil } // each store closes when t ends

func TestLostLogIsAFault(t *testing.T) {
	ctx := t.Context()
	store := newForgetful(t)
	var logs bytes.Buffer
	at := time.Date(2014, time.April, 23, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	svc := rooms.NewService(store, slog.New(slog.NewTextHandler(&logs, nil)), now)
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Title: "Before"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []rooms.Participant{amina, carlos} {
		if _, err := svc.Execute(ctx, "plenary", p, cmd(rooms.CmdRaiseHand)); err != nil {
			t.Fatal(err)
		}
	}

	store.forget()
	_, err := svc.Execute(ctx, "plenary", chair, cmd(rooms.CmdCallNext))
	var lost *rooms.LostError
	if !errors.As(err, &lost) || !errors.Is(err, rooms.ErrLost) || lost.Held != 3 || lost.Has != 0 {
		t.Fatalf("command on a lost log: %v, want a LostError of 3 held, 0 in the store", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the loss was not logged at ERROR: %q", logs.String())
	}
	if err := svc.Ready(ctx); !errors.Is(err, rooms.ErrLost) {
		t.Errorf("Ready after the loss: %v, want ErrLost", err)
	}
	if _, err := svc.Snapshot(ctx, "plenary"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("Snapshot reloaded from the empty store: %v, want ErrNotFound", err)
	}
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Title: "After"}); err != nil {
		t.Fatal(err)
	}
	if snap, err := svc.Snapshot(ctx, "plenary"); err != nil || snap.Title != "After" || snap.Seq != 1 {
		t.Errorf("room opened again: %q at seq %d (%v), want the new room", snap.Title, snap.Seq, err)
	}

	// Opening a lost room again without touching it first is noticed too.
	if _, err := svc.Execute(ctx, "plenary", amina, cmd(rooms.CmdRaiseHand)); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	store.forget()
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Title: "Third"}); err != nil {
		t.Fatal(err)
	}
	if snap, err := svc.Snapshot(ctx, "plenary"); err != nil || snap.Title != "Third" || snap.Seq != 1 || len(snap.Queue) != 0 {
		t.Errorf("room opened on a store that lost it: %q at seq %d with %d queued (%v), want the new room", snap.Title, snap.Seq, len(snap.Queue), err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the loss found on opening was not logged at ERROR: %q", logs.String())
	}

	at = at.Add(2 * time.Minute)
	if err := svc.Ready(ctx); err != nil {
		t.Errorf("Ready long after the loss: %v", err)
	}
}

func TestRoomLimit(t *testing.T) {
	ctx := t.Context()
	svc := rooms.NewService(newForgetful(t), slog.New(slog.DiscardHandler), nil, rooms.WithMaxRooms(1))
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "side"}); !errors.Is(err, rooms.ErrRoomLimit) {
		t.Errorf("a second room past a limit of one: %v, want ErrRoomLimit", err)
	}
	if _, err := svc.Create(ctx, chair, rooms.RoomSpec{ID: "plenary"}); !errors.Is(err, rooms.ErrExists) {
		t.Errorf("the first room again: %v, want ErrExists", err)
	}
	if _, err := svc.Snapshot(ctx, "side"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("the refused room: %v, want ErrNotFound", err)
	}
}
