package rooms_test

import (
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

func TestTheRecordSaysHowEachSpeakerGotTheFloor(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	turn := func() {
		r.wait(30 * time.Second)
		r.do(chair, cmd(rooms.CmdRelease))
	}
	r.do(amina, cmd(rooms.CmdRaiseHand))  // r2
	r.do(carlos, cmd(rooms.CmdRaiseHand)) // r3
	r.do(mei, cmd(rooms.CmdRaiseHand))    // r4
	r.do(chair, cmd(rooms.CmdCallNext))   // amina, in order
	turn()
	r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: "r4", Position: 1, Reason: "a reply to the last speaker"})
	r.do(chair, cmd(rooms.CmdCallNext)) // mei, moved up
	turn()
	r.do(amina, cmd(rooms.CmdRaiseHand)) // r10
	r.do(chair, rooms.Command{Type: rooms.CmdSkip, Request: "r3", Reason: "stepped out of the room"})
	r.do(chair, cmd(rooms.CmdCallNext)) // amina, carlos passed over
	turn()
	r.do(mei, cmd(rooms.CmdRaiseHand))
	r.do(chair, rooms.Command{Type: rooms.CmdCall, Request: "r14", Reason: "the minister must leave"})
	turn()
	r.do(chair, cmd(rooms.CmdCallNext)) // carlos: his skip was spent on the last turn
	turn()

	want := []struct{ sub, how, reason string }{
		{"amina", rooms.HowQueue, ""},
		{"mei", rooms.HowMoved, "a reply to the last speaker"},
		{"amina", rooms.HowAfterSkip, "stepped out of the room"},
		{"mei", rooms.HowOutOfOrder, "the minister must leave"},
		{"carlos", rooms.HowQueue, ""},
	}
	got := r.state.Interventions()
	if len(got) != len(want) {
		t.Fatalf("%d interventions, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if g := got[i]; g.Sub != w.sub || g.How != w.how || g.ChairReason != w.reason {
			t.Errorf("turn %d: %s %s %q, want %s %s %q", i+1, g.Sub, g.How, g.ChairReason, w.sub, w.how, w.reason)
		}
	}
}
