package rooms_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

func ids(q []rooms.QueueEntry) []string {
	out := make([]string, len(q))
	for i, e := range q {
		out[i] = e.ID
	}
	return out
}

func TestDoubleClickOnCallNextIsStale(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(carlos, cmd(rooms.CmdRaiseHand))
	seen := r.state.Seq // what both clicks' screen showed
	r.do(chair, rooms.Command{Type: rooms.CmdCallNext, IfSeq: seen})
	r.wait(150 * time.Millisecond)
	_, err := r.try(chair, rooms.Command{Type: rooms.CmdCallNext, IfSeq: seen})
	if !errors.Is(err, rooms.ErrStale) {
		t.Fatalf("second click: %v, want ErrStale", err)
	}
	if f := r.snapshot().Floor; f == nil || f.Sub != "amina" {
		t.Fatalf("floor = %+v, want amina still speaking", f)
	}
	// Every floor command checks the floor; a fresh screen may act.
	for _, typ := range []string{rooms.CmdRelease, rooms.CmdExtend, rooms.CmdPause, rooms.CmdCallNext} {
		if _, err := r.try(chair, rooms.Command{Type: typ, IfSeq: seen}); !errors.Is(err, rooms.ErrStale) {
			t.Errorf("%s against seq %d: %v, want ErrStale", typ, seen, err)
		}
	}
	r.do(chair, rooms.Command{Type: rooms.CmdPause, IfSeq: r.state.Seq})
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdResume, IfSeq: r.state.Seq - 1}); !errors.Is(err, rooms.ErrStale) {
		t.Errorf("resume against the state before the pause: %v, want ErrStale", err)
	}
	// Commands that do not touch the floor or a request pass.
	r.do(mei, rooms.Command{Type: rooms.CmdRaiseHand, IfSeq: seen})
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdCallNext, IfSeq: r.state.Seq + 5}); !errors.Is(err, rooms.ErrInvalid) {
		t.Errorf("if_seq from the future: %v, want ErrInvalid", err)
	}
}

func TestQueueCommandOnAChangedRequestIsStale(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand)) // r2
	r.do(carlos, cmd(rooms.CmdRaiseHand))
	r.do(mei, cmd(rooms.CmdRaiseHand)) // r4
	seen := r.state.Seq
	r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: "r4", Position: 1, Reason: "hubs", IfSeq: seen})
	for _, c := range []rooms.Command{
		{Type: rooms.CmdMove, Request: "r4", Position: 2, Reason: "again", IfSeq: seen},
		{Type: rooms.CmdSkip, Request: "r4", Reason: "x", IfSeq: seen},
		{Type: rooms.CmdRemove, Request: "r4", Reason: "x", IfSeq: seen},
	} {
		if _, err := r.try(chair, c); !errors.Is(err, rooms.ErrStale) {
			t.Errorf("%s of r4 against seq %d: %v, want ErrStale", c.Type, seen, err)
		}
	}
	// Another request, unchanged since, may be acted on.
	r.do(chair, rooms.Command{Type: rooms.CmdSkip, Request: "r2", Reason: "not here", IfSeq: seen})
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdCall, Request: "r2", Reason: "x", IfSeq: seen}); !errors.Is(err, rooms.ErrStale) {
		t.Errorf("call of a request skipped since: %v, want ErrStale", err)
	}
	r.do(chair, rooms.Command{Type: rooms.CmdCall, Request: "r3", Reason: "host country", IfSeq: seen})
}

func TestMoveNeverGoesAheadOfAPointOfOrder(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))                                                       // r2
	r.do(carlos, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "point_of_order"})              // r3
	r.do(mei, cmd(rooms.CmdRaiseHand))                                                         // r4
	r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: "r4", Position: 1, Reason: "top"}) // to the top
	if got := ids(r.snapshot().Queue); !slices.Equal(got, []string{"r3", "r4", "r2"}) {
		t.Fatalf("queue %v, want the point of order, then the moved request", got)
	}
	evs := r.do(chair, cmd(rooms.CmdCallNext))
	var g rooms.FloorGranted
	decode(t, evs[len(evs)-1], &g)
	if g.Request != "r3" {
		t.Errorf("call next gave the floor to %s, want the point of order", g.Request)
	}
	// A point of order raised after the move still goes first, and the
	// moved request keeps its place among speakers.
	r.do(amina, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "point_of_order"})
	if got := ids(r.snapshot().Queue); !slices.Equal(got, []string{"r7", "r4", "r2"}) {
		t.Fatalf("queue %v, want r7 (point of order), r4, r2", got)
	}
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdMove, Request: "r7", Position: 2, Reason: "x"}); !errors.Is(err, rooms.ErrState) {
		t.Errorf("moving a point of order: %v, want ErrState", err)
	}
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdMove, Request: "r2", Position: 4, Reason: "x"}); !errors.Is(err, rooms.ErrInvalid) {
		t.Errorf("a move beyond the end: %v, want ErrInvalid", err)
	}
}

func TestPolicyChangeClearsMovesAndSaysSo(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(carlos, cmd(rooms.CmdRaiseHand)) // r3
	r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: "r3", Position: 1, Reason: "x"})
	evs := r.do(chair, rooms.Command{Type: rooms.CmdSetPolicy, Policy: &queue.Policy{Kind: queue.PolicyFIFO, MaxPasses: 3}})
	var d rooms.PolicySet
	decode(t, evs[0], &d)
	if !slices.Equal(d.Unmoved, []string{"r3"}) {
		t.Errorf("policy_set says %v were unmoved, want r3", d.Unmoved)
	}
	if got := ids(r.snapshot().Queue); !slices.Equal(got, []string{"r2", "r3"}) {
		t.Errorf("queue %v, want the policy's order again", got)
	}
}

func TestSkipPassesOverOnceAndRemoveTakesOut(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	for _, p := range []rooms.Participant{amina, carlos, mei} {
		r.do(p, cmd(rooms.CmdRaiseHand))
		r.wait(time.Second)
	}
	r.do(chair, rooms.Command{Type: rooms.CmdSkip, Request: "r2", Reason: "not in the room"})
	evs := r.do(chair, cmd(rooms.CmdCallNext))
	var g rooms.FloorGranted
	decode(t, evs[len(evs)-1], &g)
	if g.Request != "r3" {
		t.Fatalf("call next after the skip gave the floor to %s, want r3", g.Request)
	}
	if got := ids(r.snapshot().Queue); !slices.Equal(got, []string{"r2", "r4"}) {
		t.Fatalf("queue %v: the skipped request is back at its place", got)
	}
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdRemove, Request: "r2"}); !errors.Is(err, rooms.ErrInvalid) {
		t.Errorf("remove without a reason: %v, want ErrInvalid", err)
	}
	evs = r.do(chair, rooms.Command{Type: rooms.CmdRemove, Request: "r2", Reason: "left the meeting"})
	if evs[0].Type != rooms.EvRequestRemoved {
		t.Errorf("remove made %v", types(evs))
	}
	if got := ids(r.snapshot().Queue); !slices.Equal(got, []string{"r4"}) {
		t.Errorf("queue %v after remove, want r4", got)
	}
	if _, err := r.try(amina, rooms.Command{Type: rooms.CmdRemove, Request: "r4", Reason: "x"}); !errors.Is(err, rooms.ErrForbidden) {
		t.Errorf("a participant removes: %v, want ErrForbidden", err)
	}
}

// B11: raising and withdrawing again and again is one request in the
// balance, until the person is given the floor.
func TestRepeatedRaiseAndWithdrawIsOneRequest(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	for range 50 {
		r.do(amina, cmd(rooms.CmdRaiseHand))
		r.do(amina, cmd(rooms.CmdWithdraw))
	}
	r.do(carlos, cmd(rooms.CmdRaiseHand))
	b := r.state.Balance(r.now)
	if b.Totals.Requests != 2 {
		t.Fatalf("requests = %d, want 2 (amina once, carlos once)", b.Totals.Requests)
	}
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(chair, rooms.Command{Type: rooms.CmdCall, Request: r.snapshot().Queue[1].ID, Reason: "x"})
	r.do(chair, cmd(rooms.CmdRelease))
	r.do(amina, cmd(rooms.CmdRaiseHand)) // after her turn: a new request
	if got := r.state.Balance(r.now).Totals.Requests; got != 3 {
		t.Errorf("requests = %d after amina spoke and asked again, want 3", got)
	}
}

// C22: the balance counts the turn in progress, and agrees with the record
// when it ends.
func TestBalanceCountsTheTurnInProgress(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(80 * time.Second)
	live := r.snapshot().Balance
	women := byCategory(live.Dimensions["gender"])["woman"]
	if live.Totals.Seconds != 80 || women.Seconds != 80 || women.TimeShare != 1 || !women.Speaking || !live.Running {
		t.Fatalf("80 s into amina's turn: totals %+v, women %+v, running %v", live.Totals, women, live.Running)
	}
	if c := r.state.Changes(rooms.EvFloorGranted, r.now)[rooms.KeyBalance].(rooms.Balance); c.Totals.Seconds != 80 {
		t.Errorf("live changes count %v s, want 80", c.Totals.Seconds)
	}
	r.do(chair, cmd(rooms.CmdRelease))
	ended := r.state.Balance(r.now)
	ended.AsOf, live.AsOf = time.Time{}, time.Time{}
	live.Seq, live.Running = ended.Seq, false
	for _, list := range live.Dimensions {
		for i := range list {
			list[i].Speaking = false
		}
	}
	if mustJSON(t, live) != mustJSON(t, ended) {
		t.Errorf("live balance at the end of the turn\n%s\ndiffers from the record\n%s", mustJSON(t, live), mustJSON(t, ended))
	}
}

func TestGenderNotDeclaredCountsAsUndisclosed(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	anon := rooms.Participant{Sub: "anon", Name: "Anon", Role: rooms.RoleParticipant, Group: "academia"}
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(anon, cmd(rooms.CmdRaiseHand))
	sum := 0.0
	for _, c := range r.state.Balance(r.now).Dimensions["gender"] {
		sum += c.RequestShare
	}
	if sum != 1 {
		t.Errorf("gender request shares add up to %v, want 1", sum)
	}
	if u := byCategory(r.state.Balance(r.now).Dimensions["gender"])["undisclosed"]; u.Requests != 1 {
		t.Errorf("undisclosed = %+v, want one request", u)
	}
}

func TestRoomCategoriesAreChecked(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	odd := rooms.Participant{Sub: "x", Name: "X", Role: rooms.RoleParticipant, Group: "Civil Society", Gender: "female", Region: "Africa"}
	evs := r.do(odd, cmd(rooms.CmdRaiseHand))
	var d rooms.HandRaised
	decode(t, evs[0], &d)
	if d.Speaker.Group != "civil-society" || d.Speaker.Gender != "woman" || d.Speaker.Region != "africa" {
		t.Errorf("speaker %+v, want canonical categories", d.Speaker)
	}
	youth := rooms.Participant{Sub: "y", Name: "Y", Role: rooms.RoleParticipant, Group: "youth"}
	_, err := r.try(youth, cmd(rooms.CmdRaiseHand))
	if !errors.Is(err, rooms.ErrInvalid) || !strings.Contains(err.Error(), `group "youth"`) || !strings.Contains(err.Error(), "civil-society") {
		t.Errorf("an unknown group: %v, want ErrInvalid naming the claim and the allowed values", err)
	}
}
