package rooms_test

import (
	"errors"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

var t0 = time.Date(2014, 4, 23, 9, 0, 0, 0, time.UTC)

// room is a State driven the way the Service drives it, with a clock the
// test moves by hand and the log kept so tests can replay it.
type room struct {
	t     *testing.T
	state *rooms.State
	now   time.Time
	log   []rooms.Event
}

func newRoom(t *testing.T, policy queue.Policy) *room {
	t.Helper()
	r := &room{t: t, state: rooms.NewState("plenary"), now: t0}
	data := []byte(`{"title":"Plenary","policy":{"kind":"` + policy.Kind + `"},"time_limit_s":120}`)
	r.append(rooms.Event{Time: t0, Actor: chair.Actor(), Type: rooms.EvRoomCreated, Data: data})
	return r
}

func (r *room) append(evs ...rooms.Event) {
	for _, e := range evs {
		e.Seq = r.state.Seq + 1
		r.log = append(r.log, e)
		r.state.Apply(e)
	}
}

// do runs a command and fails the test if it is refused.
func (r *room) do(who rooms.Participant, cmd rooms.Command) []rooms.Event {
	r.t.Helper()
	evs, err := r.try(who, cmd)
	if err != nil {
		r.t.Fatalf("%s by %s: %v", cmd.Type, who.Sub, err)
	}
	return evs
}

func (r *room) try(who rooms.Participant, cmd rooms.Command) ([]rooms.Event, error) {
	evs, err := r.state.Decide(r.now, who, cmd)
	if err == nil {
		r.append(evs...)
	}
	return evs, err
}

func (r *room) wait(d time.Duration) { r.now = r.now.Add(d) }

func (r *room) snapshot() rooms.Snapshot { return r.state.Snapshot(r.now) }

var (
	chair  = rooms.Participant{Sub: "chair", Name: "Chair", Role: rooms.RoleChair, Group: "government", Mode: rooms.ModeInRoom}
	amina  = rooms.Participant{Sub: "amina", Name: "Amina", Role: rooms.RoleParticipant, Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeRemote}
	carlos = rooms.Participant{Sub: "carlos", Name: "Carlos", Role: rooms.RoleParticipant, Group: "government", Region: "latin-america-caribbean", Gender: "man", Mode: rooms.ModeInRoom}
	mei    = rooms.Participant{Sub: "mei", Name: "Mei", Role: rooms.RoleParticipant, Group: "academia", Region: "asia-pacific", Gender: "woman", Mode: rooms.ModeRemote}
	screen = rooms.Participant{Sub: "screen", Name: "Screen", Role: rooms.RoleObserver}
)

func cmd(typ string) rooms.Command { return rooms.Command{Type: typ} }

func TestTurnIsRecordedWithItsTimes(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(chair, rooms.Command{Type: rooms.CmdSetAgendaItem, Title: "Item 2: roadmap"})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.wait(time.Second)
	r.do(carlos, cmd(rooms.CmdRaiseHand))

	r.do(chair, cmd(rooms.CmdCallNext))
	snap := r.snapshot()
	if snap.Floor == nil || snap.Floor.Sub != "amina" {
		t.Fatalf("floor = %+v, want amina (first to ask)", snap.Floor)
	}
	if snap.Floor.RemainingS != 120 || !snap.Floor.EndsAt.Equal(r.now.Add(120*time.Second)) {
		t.Errorf("floor clock = %+v, want 120 s ending at %v", snap.Floor, r.now.Add(120*time.Second))
	}
	if len(snap.Queue) != 1 || snap.Queue[0].Sub != "carlos" || snap.Queue[0].Position != 1 || snap.Queue[0].Reason == "" {
		t.Fatalf("queue = %+v, want carlos at position 1 with a reason", snap.Queue)
	}

	r.wait(90 * time.Second)
	r.do(amina, cmd(rooms.CmdRelease))
	got := r.state.Interventions()
	if len(got) != 1 {
		t.Fatalf("interventions = %+v, want one", got)
	}
	iv := got[0]
	if iv.Sub != "amina" || iv.Group != "civil-society" || iv.AgendaItem != "Item 2: roadmap" || iv.DurationS != 90 || iv.OverrunS != 0 || iv.EndedBy != rooms.BySpeaker {
		t.Errorf("intervention = %+v", iv)
	}
	if r.snapshot().Floor != nil {
		t.Error("floor still held after release")
	}
}

func TestCallNextEndsTheCurrentTurnFirst(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(carlos, cmd(rooms.CmdRaiseHand))
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(150 * time.Second)
	evs := r.do(chair, cmd(rooms.CmdCallNext))
	if len(evs) != 2 || evs[0].Type != rooms.EvFloorReleased || evs[1].Type != rooms.EvFloorGranted {
		t.Fatalf("events = %v, want floor_released then floor_granted", types(evs))
	}
	iv := r.state.Interventions()[0]
	if iv.OverrunS != 30 || iv.EndedBy != rooms.ByChair {
		t.Errorf("intervention = %+v, want 30 s overrun ended by the chair", iv)
	}
	if f := r.snapshot().Floor; f == nil || f.Sub != "carlos" {
		t.Errorf("floor = %+v, want carlos", f)
	}
}

func TestPauseAndExtensionAreNotSpeakingTime(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(mei, cmd(rooms.CmdRaiseHand))
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(100 * time.Second)
	r.do(chair, cmd(rooms.CmdPause))
	r.wait(60 * time.Second)
	if f := r.snapshot().Floor; !f.Paused || f.RemainingS != 20 {
		t.Errorf("paused floor = %+v, want paused with 20 s left", f)
	}
	r.do(chair, cmd(rooms.CmdResume))
	r.do(chair, rooms.Command{Type: rooms.CmdExtend})
	if f := r.snapshot().Floor; f.RemainingS != 50 || f.LimitS != 150 {
		t.Errorf("extended floor = %+v, want 50 s left of 150", f)
	}
	r.wait(60 * time.Second)
	r.do(chair, cmd(rooms.CmdRelease))
	iv := r.state.Interventions()[0]
	if iv.DurationS != 160 || iv.OverrunS != 10 {
		t.Errorf("intervention = %+v, want 160 s spoken, 10 s over", iv)
	}
}

func TestCommandsRefusedWithTheRightError(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *room)
		who   rooms.Participant
		cmd   rooms.Command
		want  error
	}{
		{"release with nobody speaking", nil, chair, cmd(rooms.CmdRelease), rooms.ErrState},
		{"resume when not paused", func(r *room) {
			r.do(amina, cmd(rooms.CmdRaiseHand))
			r.do(chair, cmd(rooms.CmdCallNext))
		}, chair, cmd(rooms.CmdResume), rooms.ErrState},
		{"call next on an empty queue", nil, chair, cmd(rooms.CmdCallNext), rooms.ErrState},
		{"raise hand on a closed list", func(r *room) { r.do(chair, cmd(rooms.CmdCloseList)) }, amina, cmd(rooms.CmdRaiseHand), rooms.ErrState},
		{"raise hand twice", func(r *room) { r.do(amina, cmd(rooms.CmdRaiseHand)) }, amina, cmd(rooms.CmdRaiseHand), rooms.ErrState},
		{"participant calls next", func(r *room) { r.do(amina, cmd(rooms.CmdRaiseHand)) }, carlos, cmd(rooms.CmdCallNext), rooms.ErrForbidden},
		{"participant withdraws another's hand", func(r *room) { r.do(amina, cmd(rooms.CmdRaiseHand)) }, carlos, rooms.Command{Type: rooms.CmdWithdraw, Request: "r2"}, rooms.ErrForbidden},
		{"observer raises hand", nil, screen, cmd(rooms.CmdRaiseHand), rooms.ErrForbidden},
		{"participant ends another's turn", func(r *room) {
			r.do(amina, cmd(rooms.CmdRaiseHand))
			r.do(chair, cmd(rooms.CmdCallNext))
		}, carlos, cmd(rooms.CmdRelease), rooms.ErrForbidden},
		{"call without a reason", func(r *room) { r.do(amina, cmd(rooms.CmdRaiseHand)) }, chair, rooms.Command{Type: rooms.CmdCall, Request: "r2"}, rooms.ErrInvalid},
		{"call an unknown request", nil, chair, rooms.Command{Type: rooms.CmdCall, Request: "r99", Reason: "x"}, rooms.ErrNotFound},
		{"move to position 0", func(r *room) { r.do(amina, cmd(rooms.CmdRaiseHand)) }, chair, rooms.Command{Type: rooms.CmdMove, Request: "r2", Reason: "x"}, rooms.ErrInvalid},
		{"unknown command", nil, chair, cmd("adjourn_forever"), rooms.ErrInvalid},
		{"time limit of a day", nil, chair, rooms.Command{Type: rooms.CmdSetTimeLimit, Seconds: 86400}, rooms.ErrInvalid},
		{"bad policy", nil, chair, rooms.Command{Type: rooms.CmdSetPolicy, Policy: &queue.Policy{Kind: "lifo"}}, rooms.ErrInvalid},
		{"anything in a closed room", func(r *room) { r.do(chair, cmd(rooms.CmdCloseRoom)) }, amina, cmd(rooms.CmdRaiseHand), rooms.ErrState},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
			if tc.setup != nil {
				tc.setup(r)
			}
			before := r.state.Seq
			_, err := r.try(tc.who, tc.cmd)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if r.state.Seq != before {
				t.Errorf("a refused command changed the room (seq %d -> %d)", before, r.state.Seq)
			}
		})
	}
}

func TestPointOfOrderPassesAClosedList(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(chair, cmd(rooms.CmdCloseList))
	r.do(carlos, rooms.Command{Type: rooms.CmdRaiseHand, Kind: string(queue.KindPointOfOrder)})
	q := r.snapshot().Queue
	if len(q) != 2 || q[0].Sub != "carlos" || q[0].Kind != queue.KindPointOfOrder {
		t.Fatalf("queue = %+v, want carlos's point of order first", q)
	}
}

func TestChairMovesSkipsAndCallsWithReasons(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	for _, p := range []rooms.Participant{amina, carlos, mei} {
		r.do(p, cmd(rooms.CmdRaiseHand))
		r.wait(time.Second)
	}
	// r2 amina, r3 carlos, r4 mei
	r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: "r4", Position: 1, Reason: "speaks for the remote hubs"})
	q := r.snapshot().Queue
	if q[0].ID != "r4" || q[0].Reason != "moved by the chair: speaks for the remote hubs" {
		t.Fatalf("after move, queue = %+v", q)
	}
	r.do(chair, rooms.Command{Type: rooms.CmdSkip, Request: "r2", Reason: "not in the room"})
	if q := r.snapshot().Queue; len(q) != 3 || q[0].ID != "r4" || q[1].ID != "r3" || q[2].ID != "r2" || q[2].Reason != "passed over once by the chair: not in the room" {
		t.Fatalf("after skip, queue = %+v", q)
	}
	evs := r.do(chair, rooms.Command{Type: rooms.CmdCall, Request: "r3", Reason: "host country"})
	var granted rooms.FloorGranted
	decode(t, evs[len(evs)-1], &granted)
	if granted.By != rooms.ByChair || granted.Reason != "called by the chair: host country" {
		t.Errorf("grant = %+v", granted)
	}
}

func TestParticipantWithdrawsOwnHand(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(amina, cmd(rooms.CmdWithdraw))
	if q := r.snapshot().Queue; len(q) != 0 {
		t.Fatalf("queue = %+v, want empty", q)
	}
	if _, err := r.try(amina, cmd(rooms.CmdWithdraw)); !errors.Is(err, rooms.ErrState) {
		t.Errorf("second withdraw: %v, want ErrState", err)
	}
}

func TestBalanceCountsRequestsTurnsAndTime(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(amina, cmd(rooms.CmdRaiseHand))
	r.do(carlos, cmd(rooms.CmdRaiseHand))
	r.do(mei, cmd(rooms.CmdRaiseHand))
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(60 * time.Second)
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(30 * time.Second)
	r.do(chair, cmd(rooms.CmdRelease))

	b := r.state.Balance(r.now)
	if b.Totals != (rooms.Totals{Requests: 3, Turns: 2, Seconds: 90}) {
		t.Fatalf("totals = %+v", b.Totals)
	}
	gender := byCategory(b.Dimensions["gender"])
	if w := gender["woman"]; w.Requests != 2 || w.Turns != 1 || w.Seconds != 60 || w.TimeShare != 60.0/90 || w.Target != 0.5 {
		t.Errorf("women = %+v", w)
	}
	if m := gender["man"]; m.TurnShare != 0.5 || m.RequestShare != 1.0/3 {
		t.Errorf("men = %+v", m)
	}
}

func TestReplayGivesTheSameRoom(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyBalanced})
	for _, p := range []rooms.Participant{amina, carlos, mei} {
		r.do(p, cmd(rooms.CmdRaiseHand))
		r.wait(7 * time.Second)
	}
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(80 * time.Second)
	r.do(chair, cmd(rooms.CmdCallNext))

	replayed := rooms.NewState("plenary")
	for _, e := range r.log {
		replayed.Apply(e)
	}
	a, b := r.state.Snapshot(r.now), replayed.Snapshot(r.now)
	if mustJSON(t, a) != mustJSON(t, b) {
		t.Errorf("replayed snapshot differs:\n%s\n%s", mustJSON(t, a), mustJSON(t, b))
	}
}
