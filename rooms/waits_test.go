package rooms_test

import (
	"slices"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// The room plans the bound on waiting with what its log tells: each
// speaker's own average turn and the time of its last event, pushed on by
// a turn in progress.
func TestQueuePlansWaitsWithEachSpeakersOwnLength(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyBalanced})
	speak := func(who rooms.Participant, d time.Duration) {
		r.do(who, cmd(rooms.CmdRaiseHand))
		r.do(chair, cmd(rooms.CmdCallNext))
		r.wait(d)
		r.do(chair, cmd(rooms.CmdRelease))
	}
	speak(carlos, 30*time.Minute)
	speak(amina, 6*time.Minute)
	speak(mei, 6*time.Minute)
	queueOf := func() []string {
		var subs []string
		for _, e := range r.snapshot().Queue {
			subs = append(subs, e.Sub+": "+e.Why.Code)
		}
		return subs
	}
	policy := func(p queue.Policy) {
		r.do(chair, rooms.Command{Type: rooms.CmdSetPolicy, Policy: &p})
	}

	// Men have had 30 minutes, women 12: both women would go first, and
	// Carlos, who asked first, would start 12 minutes after asking.
	r.do(carlos, cmd(rooms.CmdRaiseHand))
	r.wait(time.Second)
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.wait(time.Second)
	r.do(mei, cmd(rooms.CmdRaiseHand))
	gender := map[string]float64{queue.DimGender: 1}
	policy(queue.Policy{Kind: queue.PolicyBalanced, Weights: gender})
	if got, want := queueOf(), []string{"amina: share", "mei: waiting", "carlos: after"}; !slices.Equal(got, want) {
		t.Errorf("passes bounded: queue %q, want %q", got, want)
	}
	policy(queue.Policy{Kind: queue.PolicyBalanced, Weights: gender, MaxWaitS: 600})
	if got, want := queueOf(), []string{"amina: share", "carlos: due", "mei: waiting"}; !slices.Equal(got, want) {
		t.Errorf("waits bounded to 10 minutes: queue %q, want %q", got, want)
	}

	// A turn in progress with 5 minutes to run starts the queue 5 minutes
	// later: now even Amina's 6 minutes would make Carlos start too late.
	ravi := rooms.Participant{Sub: "ravi", Name: "Ravi", Role: rooms.RoleParticipant, Group: "private-sector", Gender: "man", Mode: rooms.ModeHub}
	r.do(ravi, cmd(rooms.CmdRaiseHand))
	for _, e := range r.snapshot().Queue {
		if e.Sub == ravi.Sub {
			r.do(chair, rooms.Command{Type: rooms.CmdCall, Request: e.ID, Reason: "the hub in Dhaka is on the line"})
		}
	}
	r.do(chair, rooms.Command{Type: rooms.CmdExtend, Seconds: 180})
	if got, want := queueOf(), []string{"carlos: due", "amina: waiting", "mei: waiting"}; !slices.Equal(got, want) {
		t.Errorf("with a turn in progress: queue %q, want %q", got, want)
	}
}
