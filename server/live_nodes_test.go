package server_test

import (
	"net/http"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// A hand raised on one node reaches a client of another node sharing the
// same Redis, in order and with the same seq.
func TestLiveAcrossTwoNodesOnOneRedis(t *testing.T) {
	c, prefix := redistest.Client(t)
	nodeA := serveStore(t, redisstore.New(c, prefix))
	nodeB := serveStore(t, redisstore.New(redistest.NewClient(t), prefix))
	chair := plenary(t, nodeA)

	onB := nodeB.dial(t, "plenary", nodeB.token(t, "plenary", rooms.RoleObserver, "screen", nil), "")
	onB.welcome()
	if s := onB.nextOf("snapshot"); s.Snapshot.Seq != 1 {
		t.Fatalf("node B snapshot at seq %d, want 1", s.Snapshot.Seq)
	}
	onA := nodeA.dial(t, "plenary", nodeA.token(t, "plenary", rooms.RoleObserver, "screen-a", nil), "")
	onA.welcome()
	onA.nextOf("snapshot")

	for _, sub := range []string{"amina", "carlos", "mei"} {
		nodeA.command(t, nodeA.token(t, "plenary", rooms.RoleParticipant, sub, nil), "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	}
	nodeB.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	for want := uint64(2); want <= 5; want++ {
		b, a := onB.nextOf("event"), onA.nextOf("event")
		if b.Seq != want || a.Seq != want || b.Event.Type != a.Event.Type {
			t.Fatalf("event %d: node A got %d %s, node B got %d %s", want, a.Seq, a.Event.Type, b.Seq, b.Event.Type)
		}
	}
}
