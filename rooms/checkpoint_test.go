package rooms_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

func signingService(t *testing.T, every time.Duration) (*rooms.Service, rooms.Store, ed25519.PublicKey) {
	t.Helper()
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	pub, key, _ := ed25519.GenerateKey(nil)
	return rooms.NewService(store, slog.New(slog.DiscardHandler), nil, rooms.WithRecordKey(key, every)), store, pub
}

var chairP = rooms.Participant{Sub: "chair", Name: "Chair", Role: rooms.RoleChair}

// lastCheckpoint is the log's last event as a checkpoint, which it must be.
func lastCheckpoint(t *testing.T, evs []rooms.Event) rooms.Checkpoint {
	t.Helper()
	last := evs[len(evs)-1]
	if last.Type != rooms.EvCheckpoint {
		t.Fatalf("the last event is %s, want %s", last.Type, rooms.EvCheckpoint)
	}
	var c rooms.Checkpoint
	if err := json.Unmarshal(last.Data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheckpointAtClose(t *testing.T) {
	ctx := t.Context()
	svc, store, pub := signingService(t, 0)
	if _, err := svc.Create(ctx, chairP, rooms.RoomSpec{ID: "signed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Execute(ctx, "signed", chairP, rooms.Command{Type: rooms.CmdCloseRoom}); err != nil {
		t.Fatal(err)
	}
	evs, err := store.Read(ctx, rooms.RoomLog("signed"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := lastCheckpoint(t, evs)
	closed := evs[len(evs)-2]
	if c.Reason != rooms.CheckpointClosed || len(c.Logs) != 1 || c.Logs[0].Seq != closed.Seq || c.Logs[0].Hash != closed.Hash {
		t.Fatalf("checkpoint %+v: want the close's, signing event %d %s", c, closed.Seq, closed.Hash)
	}
	if err := rooms.VerifyCheckpoint("signed", c, pub); err != nil {
		t.Fatalf("VerifyCheckpoint: %v", err)
	}
	c.Logs[0].Seq--
	if err := rooms.VerifyCheckpoint("signed", c, pub); err == nil {
		t.Fatal("a checkpoint with another head verifies")
	}
	if _, err := rooms.CheckChain(rooms.RoomLog("signed"), evs); err != nil {
		t.Fatalf("CheckChain: %v", err)
	}
}

// TestCheckpointPeriodic: while a room runs, what happened since the last
// checkpoint is signed; a checkpoint never follows another.
func TestCheckpointPeriodic(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	svc, store, pub := signingService(t, 20*time.Millisecond)
	if _, err := svc.Create(ctx, chairP, rooms.RoomSpec{ID: "running"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { svc.RunCheckpoints(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	log := rooms.RoomLog("running")
	waitCheckpoints := func(n int) []rooms.Event {
		deadline := time.Now().Add(30 * time.Second)
		for {
			evs, err := store.Read(ctx, log, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			count := 0
			for i, e := range evs {
				if e.Type != rooms.EvCheckpoint {
					continue
				}
				count++
				if evs[i-1].Type == rooms.EvCheckpoint {
					t.Fatalf("event %d: a checkpoint follows a checkpoint", e.Seq)
				}
			}
			if count >= n && evs[len(evs)-1].Type == rooms.EvCheckpoint {
				return evs
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d periodic checkpoints within 30 s, want %d", count, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitCheckpoints(1)
	if _, err := svc.Execute(ctx, "running", chairP, rooms.Command{Type: rooms.CmdCloseList}); err != nil {
		t.Fatal(err)
	}
	evs := waitCheckpoints(2)
	c := lastCheckpoint(t, evs)
	if err := rooms.VerifyCheckpoint("running", c, pub); err != nil || c.Reason != rooms.CheckpointPeriodic {
		t.Fatalf("checkpoint %+v: %v", c, err)
	}
	if _, err := rooms.CheckChain(log, evs); err != nil {
		t.Fatalf("CheckChain: %v", err)
	}
}

// TestClosedLegacyRoomIsChainedAndSignedWhenOpened: a room closed before
// events were hashed is never written to again, so its chain starts, and
// its record is signed, the first time it is opened, by a read.
func TestClosedLegacyRoomIsChainedAndSignedWhenOpened(t *testing.T) {
	ctx := t.Context()
	svc, store, pub := signingService(t, 0)
	log := rooms.RoomLog("netmundial")
	appendLegacy(t, store, log, time.Date(2014, 4, 24, 18, 0, 0, 0, time.UTC), rooms.EvRoomClosed)
	snap, err := svc.Snapshot(ctx, "netmundial")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := store.Read(ctx, log, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 || evs[2].Type != rooms.EvChainStarted || snap.Seq != 4 {
		t.Fatalf("after opening: snapshot at %d, events %v; want the chain started and a checkpoint after the 2 old events", snap.Seq, types(evs))
	}
	c := lastCheckpoint(t, evs)
	if c.Reason != rooms.CheckpointClosed || c.Logs[0].Seq != 3 || c.Logs[0].Hash != evs[2].Hash {
		t.Fatalf("checkpoint %+v: want the closed room's, signing the chain's start", c)
	}
	if err := rooms.VerifyCheckpoint("netmundial", c, pub); err != nil {
		t.Fatalf("VerifyCheckpoint: %v", err)
	}
	if n, err := rooms.CheckChain(log, evs); err != nil || n != 2 {
		t.Fatalf("CheckChain covers %d events, err %v; want 2 and nil", n, err)
	}
	if _, err := svc.Snapshot(ctx, "netmundial"); err != nil {
		t.Fatal(err)
	}
	if again, _ := store.LastSeq(ctx, log); again != 4 {
		t.Fatalf("opened again, the log is at %d: the upgrade must happen once", again)
	}
}
