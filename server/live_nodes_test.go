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
	onB.Welcome()
	if s := onB.NextOf("snapshot"); s.Snapshot.Seq != 1 {
		t.Fatalf("node B snapshot at seq %d, want 1", s.Snapshot.Seq)
	}
	onA := nodeA.dial(t, "plenary", nodeA.token(t, "plenary", rooms.RoleObserver, "screen-a", nil), "")
	onA.Welcome()
	onA.NextOf("snapshot")

	for _, sub := range []string{"amina", "carlos", "mei"} {
		nodeA.command(t, nodeA.token(t, "plenary", rooms.RoleParticipant, sub, nil), "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	}
	nodeB.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	for want := uint64(2); want <= 5; want++ {
		b, a := onB.NextOf("event"), onA.NextOf("event")
		if b.Seq != want || a.Seq != want || b.Event.Type != a.Event.Type {
			t.Fatalf("event %d: node A got %d %s, node B got %d %s", want, a.Seq, a.Event.Type, b.Seq, b.Event.Type)
		}
	}
}

// A caption posted to one node reaches a viewer on another node.
func TestTranscriptAcrossTwoNodesOnOneRedis(t *testing.T) {
	c, prefix := redistest.Client(t)
	nodeA := serveStore(t, redisstore.New(c, prefix))
	nodeB := serveStore(t, redisstore.New(redistest.NewClient(t), prefix))
	plenary(t, nodeA)
	cart := captioner(t, nodeA, "en")
	nodeA.postCaption(t, cart, "plenary", "lang=en&seq=1", "First line.\n")

	viewer := nodeB.dial(t, "plenary", nodeB.token(t, "plenary", rooms.RoleParticipant, "amina", nil), "")
	viewer.Welcome()
	viewer.NextOf("snapshot")
	viewer.Send(map[string]any{"type": "transcript", "id": "t", "langs": []string{"en"}})
	if m := viewer.NextOf("segments"); len(m.Segments) != 1 || m.Segments[0].Text != "First line." {
		t.Fatalf("backlog on node B = %+v", m.Segments)
	}
	for i, line := range []string{"Second line.", "Third line."} {
		nodeA.postCaption(t, cart, "plenary", "lang=en&seq="+itoa(uint64(i+2)), line+"\n")
		if m := nextSegment(t, viewer); m.Segment.Text != line {
			t.Fatalf("node B viewer got %q, want %q", m.Segment.Text, line)
		}
	}
}

// Presence counts everyone connected to the room, whichever node they are on.
func TestPresenceAcrossTwoNodesOnOneRedis(t *testing.T) {
	c, prefix := redistest.Client(t)
	nodeA := serveStore(t, redisstore.New(c, prefix))
	nodeB := serveStore(t, redisstore.New(redistest.NewClient(t), prefix))
	plenary(t, nodeA)
	onA := nodeA.dial(t, "plenary", nodeA.token(t, "plenary", rooms.RoleChair, "chair", nil), "")
	nodeB.dial(t, "plenary", nodeB.token(t, "plenary", rooms.RoleParticipant, "amina", nil), "")
	nodeB.dial(t, "plenary", nodeB.token(t, "plenary", rooms.RoleHub, "dhaka", nil), "")
	for {
		p := *onA.NextOf("presence").Presence
		if p.Total == 3 {
			if p.ByRole["chair"] != 1 || p.ByRole["participant"] != 1 || p.ByRole["hub"] != 1 {
				t.Errorf("presence = %+v", p)
			}
			return
		}
	}
}
