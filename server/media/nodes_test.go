package media

import (
	"context"
	"log/slog"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// TestTheGateFollowsAnotherNodesFloor: the chair runs the room on node B;
// node A, which holds the media, opens and closes the gate all the same.
func TestTheGateFollowsAnotherNodesFloor(t *testing.T) {
	prefix := redistest.Prefix(t)
	node := func() *rooms.Service {
		store := redisstore.New(redistest.NewClient(t), prefix)
		t.Cleanup(func() { store.Close() })
		return rooms.NewService(store, slog.New(slog.DiscardHandler), nil)
	}
	r := newRigOver(t, Config{}, node())
	b := node()
	mic := r.publish("alice", rooms.RoleParticipant, 1)
	v := r.view("viewer", 2)
	onB := func(who rooms.Participant, typ string) {
		t.Helper()
		if _, err := b.Execute(context.Background(), r.room, who, rooms.Command{Type: typ, Kind: "speak"}); err != nil {
			t.Fatalf("%s on node B: %v", typ, err)
		}
	}
	onB(participant("alice"), rooms.CmdRaiseHand)
	onB(r.chair, rooms.CmdCallNext)
	r.hears(v, 1, mic, mic.sent+5)
	onB(r.chair, rooms.CmdRelease)
	r.until("node A closes the gate", func() bool { return !r.plane.roomOf(r.room).gate.Load().admits("alice") })

	// Without sessions, node A no longer follows the room for media.
	if err := r.plane.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.until("node A stops following the room", func() bool { return len(r.svc.Following()) == 0 })
}
