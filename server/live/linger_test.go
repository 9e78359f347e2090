package live_test

import (
	"fmt"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

// A log's feed, and the node's following of the log, last from its first
// client until a while after its last; clients coming later get a new feed
// that serves them as the first did.
func TestFeedsGoAWhileAfterTheirLastClient(t *testing.T) {
	h := newHarness(t, func(c *live.Config) { c.Linger = 1 })
	h.plenary(t)
	both := fmt.Sprint([]rooms.LogID{rooms.RoomLog("plenary"), rooms.TranscriptLog("plenary", rooms.FloorLanguage)})
	for round, sub := range []string{"amina", "carlos"} {
		var viewers []*livetest.Conn
		for _, role := range []string{rooms.RoleParticipant, rooms.RoleObserver} {
			c := h.dial(t, "plenary", who(sub+"-"+role, role))
			c.Welcome()
			c.NextOf(protocol.TypeSnapshot)
			c.Send(map[string]any{"type": "transcript", "id": "t", "langs": []string{rooms.FloorLanguage}})
			c.NextOf(protocol.TypeSegments)
			viewers = append(viewers, c)
		}
		if got := fmt.Sprint(h.rooms.Following()); got != both {
			t.Fatalf("round %d: the node follows %s, want %s", round, got, both)
		}
		seq := h.command(t, sub, rooms.RoleParticipant, `{"type":"raise_hand"}`).Seq
		for _, c := range viewers {
			if m := c.NextOf(protocol.TypeEvent); m.Seq != seq {
				t.Fatalf("round %d: event %d, want %d", round, m.Seq, seq)
			}
			c.WS.Close()
		}
		waitFor(t, "the node to let go of the logs", func() bool { return len(h.rooms.Following()) == 0 })
	}
}
