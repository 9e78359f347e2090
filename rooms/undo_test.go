package rooms_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// queued raises amina, carlos and mei's hands, in that order, a second
// apart, amina with a note.
func queued(t *testing.T, policy string) *room {
	r := newRoom(t, queue.Policy{Kind: policy})
	r.do(amina, rooms.Command{Type: rooms.CmdRaiseHand, Note: "On capacity building"})
	for _, p := range []rooms.Participant{carlos, mei} {
		r.wait(time.Second)
		r.do(p, cmd(rooms.CmdRaiseHand))
	}
	r.wait(time.Second)
	return r
}

func reason(typ, request, why string) rooms.Command {
	return rooms.Command{Type: typ, Request: request, Reason: why}
}

func TestUndoPutsTheRoomBackAsBeforeTheAction(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action func(r *room)
	}{
		{"call next", func(r *room) { r.do(chair, cmd(rooms.CmdCallNext)) }},
		{"call out of order", func(r *room) { r.do(chair, reason(rooms.CmdCall, "r4", "Answers the last point")) }},
		{"remove", func(r *room) { r.do(chair, reason(rooms.CmdRemove, "r2", "Wrong room")) }},
		{"skip", func(r *room) { r.do(chair, reason(rooms.CmdSkip, "r2", "Stepped out")) }},
		{"move", func(r *room) {
			r.do(chair, rooms.Command{Type: rooms.CmdMove, Request: "r4", Position: 1, Reason: "Agreed order"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := queued(t, queue.PolicyFIFO)
			before := r.snapshot()
			tc.action(r)
			r.wait(4 * time.Second)
			evs := r.do(chair, rooms.Command{Type: rooms.CmdUndo, Undoes: r.state.Seq, Reason: "Wrong button"})
			var d rooms.Undone
			decode(t, evs[0], &d)
			if evs[0].Type != rooms.EvUndone || d.Reason != "Wrong button" || d.Undoes != r.state.Seq-1 {
				t.Errorf("event = %s %+v", evs[0].Type, d)
			}
			after := r.snapshot()
			if after.Floor != nil {
				t.Errorf("floor = %+v, want nobody", after.Floor)
			}
			if a, b := mustJSON(t, before.Queue), mustJSON(t, after.Queue); a != b {
				t.Errorf("queue after undo:\n%s\nwant as before:\n%s", b, a)
			}
			if a, b := mustJSON(t, before.Balance.Dimensions), mustJSON(t, after.Balance.Dimensions); a != b {
				t.Errorf("balance after undo:\n%s\nwant as before:\n%s", b, a)
			}
			if after.Queue[0].Note != "On capacity building" {
				t.Errorf("amina's note = %q", after.Queue[0].Note)
			}
			if _, err := r.try(chair, cmd(rooms.CmdUndo)); !errors.Is(err, rooms.ErrState) {
				t.Errorf("undo twice: %v, want ErrState", err)
			}
		})
	}
}

func TestUndoOfACallKeepsThePreviousTurnEnded(t *testing.T) {
	r := queued(t, queue.PolicyFIFO)
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(100 * time.Second)
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(time.Second)
	r.do(chair, cmd(rooms.CmdUndo))
	snap := r.snapshot()
	if snap.Floor != nil || ids(snap.Queue)[0] != "r3" || len(snap.Queue) != 2 {
		t.Fatalf("floor %+v, queue %v: want nobody speaking and carlos first again", snap.Floor, ids(snap.Queue))
	}
	if iv := r.state.Interventions(); len(iv) != 1 || iv[0].Sub != "amina" || iv[0].DurationS != 100 {
		t.Errorf("interventions = %+v, want amina's 100 s turn alone", iv)
	}
	// The rotation and the queue go on as if carlos had not been called.
	r.do(chair, cmd(rooms.CmdCallNext))
	if f := r.snapshot().Floor; f == nil || f.Request != "r3" {
		t.Errorf("next call gives %+v, want carlos's request r3", f)
	}
}

func TestUndoIsRefusedWhenItCannotPutThingsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		then func(r *room) rooms.Command
		want error
	}{
		{"nothing done", func(r *room) rooms.Command { return cmd(rooms.CmdUndo) }, rooms.ErrState},
		{"too late", func(r *room) rooms.Command {
			r.do(chair, cmd(rooms.CmdCallNext))
			r.wait(rooms.UndoWindow + time.Second)
			return cmd(rooms.CmdUndo)
		}, rooms.ErrState},
		{"another chair action since", func(r *room) rooms.Command {
			r.do(chair, cmd(rooms.CmdCallNext))
			r.do(chair, cmd(rooms.CmdExtend))
			return cmd(rooms.CmdUndo)
		}, rooms.ErrState},
		{"not an action that can be undone", func(r *room) rooms.Command {
			r.do(chair, cmd(rooms.CmdCloseList))
			return cmd(rooms.CmdUndo)
		}, rooms.ErrState},
		{"the speaker has yielded", func(r *room) rooms.Command {
			r.do(chair, cmd(rooms.CmdCallNext))
			r.do(amina, cmd(rooms.CmdRelease))
			return cmd(rooms.CmdUndo)
		}, rooms.ErrState},
		{"the removed speaker asked again", func(r *room) rooms.Command {
			r.do(chair, reason(rooms.CmdRemove, "r2", "Wrong room"))
			r.do(amina, cmd(rooms.CmdRaiseHand))
			return cmd(rooms.CmdUndo)
		}, rooms.ErrState},
		{"the skipped speaker withdrew", func(r *room) rooms.Command {
			r.do(chair, reason(rooms.CmdSkip, "r2", "Stepped out"))
			r.do(amina, cmd(rooms.CmdWithdraw))
			return cmd(rooms.CmdUndo)
		}, rooms.ErrState},
		{"another chair acted first", func(r *room) rooms.Command {
			r.do(chair, reason(rooms.CmdSkip, "r2", "Stepped out"))
			seen := r.state.Seq
			r.do(chair, reason(rooms.CmdSkip, "r3", "Stepped out"))
			return rooms.Command{Type: rooms.CmdUndo, Undoes: seen}
		}, rooms.ErrStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := queued(t, queue.PolicyFIFO)
			c := tc.then(r)
			if _, err := r.try(chair, c); !errors.Is(err, tc.want) {
				t.Errorf("undo: %v, want %v", err, tc.want)
			}
		})
	}
	r := queued(t, queue.PolicyFIFO)
	r.do(chair, cmd(rooms.CmdCallNext))
	if _, err := r.try(carlos, cmd(rooms.CmdUndo)); !errors.Is(err, rooms.ErrForbidden) {
		t.Errorf("undo by a participant: %v, want ErrForbidden", err)
	}
}

// TestUndoIsAsIfTheActionHadNotHappened drives random rooms: a chair action
// followed by others' raised and withdrawn hands and then its undo leaves
// the queue, the balance and the next call exactly as the same hands
// without the action (a call still ends the turn it interrupted), and
// the log replays to the same room.
func TestUndoIsAsIfTheActionHadNotHappened(t *testing.T) {
	people := make([]rooms.Participant, 8)
	groups := []string{"government", "civil-society", "academia", "private-sector"}
	regions := []string{"africa", "asia-pacific", "eastern-europe", "western-europe-others"}
	for i := range people {
		people[i] = rooms.Participant{
			Sub: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("P%d", i), Role: rooms.RoleParticipant,
			Group: groups[i%4], Region: regions[(i/2)%4], Mode: rooms.ModeRemote,
		}
	}
	kinds := []queue.RequestKind{queue.KindSpeak, queue.KindSpeak, queue.KindSpeak, queue.KindReply, queue.KindPointOfOrder}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		policy := []string{queue.PolicyFIFO, queue.PolicyBalanced, queue.PolicyRotate}[seed%3]
		// others is a step anyone but the chair may take, tried on both
		// rooms; while the rooms differ, by those the action was not about
		// and not a reply, which names whoever holds the floor.
		others := func(except string, rs ...*room) {
			p := people[rng.IntN(len(people))]
			k := kinds[rng.IntN(len(kinds))]
			if except != "" && (slices.Contains(strings.Fields(except), p.Sub) || k == queue.KindReply) {
				return
			}
			c := rooms.Command{Type: rooms.CmdRaiseHand, Kind: string(k)}
			if rng.IntN(3) == 0 {
				c = cmd(rooms.CmdWithdraw)
			}
			wait := time.Duration(rng.IntN(3000)) * time.Millisecond
			for _, r := range rs {
				r.wait(wait)
				_, _ = r.try(p, c)
			}
		}
		undone, control := newRoom(t, queue.Policy{Kind: policy}), newRoom(t, queue.Policy{Kind: policy})
		for range 3 + rng.IntN(12) {
			others("", undone, control)
			if rng.IntN(4) == 0 {
				for _, r := range []*room{undone, control} {
					_, _ = r.try(chair, cmd(rooms.CmdCallNext))
				}
			}
		}
		q := undone.state.Queue()
		if len(q) == 0 {
			continue
		}
		pick := q[rng.IntN(len(q))]
		target := pick.ID
		action := []rooms.Command{
			cmd(rooms.CmdCallNext), reason(rooms.CmdCall, target, "x"), reason(rooms.CmdRemove, target, "x"),
			reason(rooms.CmdSkip, target, "x"), {Type: rooms.CmdMove, Request: target, Position: 1 + rng.IntN(len(q)), Reason: "x"},
		}[rng.IntN(5)]
		evs, err := undone.try(chair, action)
		if err != nil {
			continue // a point of order cannot be moved, say
		}
		if types(evs)[0] == rooms.EvFloorReleased {
			control.do(chair, cmd(rooms.CmdRelease))
		}
		for range rng.IntN(3) {
			others(q[0].Sub+" "+pick.Sub, undone, control)
		}
		undone.do(chair, cmd(rooms.CmdUndo))
		others("", undone, control)
		name := fmt.Sprintf("seed %d (%s, %s of %s)", seed, policy, action.Type, target)
		if a, b := comparable(t, undone), comparable(t, control); a != b {
			t.Fatalf("%s: after undo\n%s\nwithout the action\n%s", name, a, b)
		}
		_, errA := undone.try(chair, cmd(rooms.CmdCallNext))
		_, errB := control.try(chair, cmd(rooms.CmdCallNext))
		if a, b := comparable(t, undone), comparable(t, control); (errA == nil) != (errB == nil) || a != b {
			t.Fatalf("%s: the next call differs (%v / %v):\n%s\n%s", name, errA, errB, a, b)
		}
		replayed := rooms.NewState("plenary")
		for _, e := range undone.log {
			replayed.Apply(e)
		}
		if mustJSON(t, replayed.Snapshot(undone.now)) != mustJSON(t, undone.snapshot()) {
			t.Fatalf("%s: the replayed log differs:\n%s\n%s", name, mustJSON(t, replayed.Snapshot(undone.now)), mustJSON(t, undone.snapshot()))
		}
	}
}

// comparable is r's queue, floor and balance in JSON, with request ids
// (which are sequence numbers, so differ between rooms with different
// logs) replaced by whose request of which kind they are.
func comparable(t *testing.T, r *room) string {
	snap := r.snapshot()
	snap.Queue = slices.Clone(snap.Queue) // the state's own
	for i, e := range snap.Queue {
		snap.Queue[i].ID = e.Sub + "/" + string(e.Kind)
		if e.RepliesTo != nil {
			snap.Queue[i].RepliesTo = &rooms.ReplyTo{Name: e.RepliesTo.Name}
		}
	}
	if f := snap.Floor; f != nil {
		f.Request, f.RepliesTo = "", nil
	}
	return mustJSON(t, []any{snap.Queue, snap.Floor, snap.Balance.Totals, snap.Balance.Dimensions})
}

func TestExtendFromNowGivesAnOverrunningSpeakerTheirSeconds(t *testing.T) {
	r := queued(t, queue.PolicyFIFO)
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(150 * time.Second) // 30 s over
	evs := r.do(chair, rooms.Command{Type: rooms.CmdExtend, Seconds: 20, FromNow: true})
	var d rooms.Extended
	decode(t, evs[0], &d)
	if d.Seconds != 50 || d.FromNowS != 20 {
		t.Errorf("extended = %+v, want 50 s added to give 20 s from now", d)
	}
	if f := r.snapshot().Floor; f.RemainingS != 20 || f.LimitS != 170 {
		t.Errorf("floor = remaining %v of %v, want 20 of 170", f.RemainingS, f.LimitS)
	}
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdExtend, Seconds: 10, FromNow: true}); !errors.Is(err, rooms.ErrState) {
		t.Errorf("10 s from now with 20 left: %v, want ErrState", err)
	}
	r.do(chair, rooms.Command{Type: rooms.CmdExtend, Seconds: 60})
	if f := r.snapshot().Floor; f.RemainingS != 80 {
		t.Errorf("after 60 s more: remaining %v, want 80", f.RemainingS)
	}
}

func TestWarningIsARoomSettingAtMostAThirdOfTheTurn(t *testing.T) {
	r := queued(t, queue.PolicyFIFO)
	if s := r.snapshot(); s.WarningS != 30 {
		t.Errorf("default warning = %v, want 30", s.WarningS)
	}
	if _, err := r.try(chair, rooms.Command{Type: rooms.CmdSetWarning, Seconds: 41}); !errors.Is(err, rooms.ErrInvalid) {
		t.Errorf("41 s of a 120 s limit: %v, want ErrInvalid", err)
	}
	if _, err := r.try(amina, rooms.Command{Type: rooms.CmdSetWarning, Seconds: 10}); !errors.Is(err, rooms.ErrForbidden) {
		t.Errorf("by a participant: %v, want ErrForbidden", err)
	}
	r.do(chair, cmd(rooms.CmdCallNext))
	r.do(chair, rooms.Command{Type: rooms.CmdSetWarning, Seconds: 40})
	f := r.snapshot().Floor
	if f.WarnS != 40 || !f.WarnAt.Equal(f.EndsAt.Add(-40*time.Second)) {
		t.Errorf("floor warns %v s before the end (at %v, ends %v), want 40", f.WarnS, f.WarnAt, f.EndsAt)
	}
	// A shorter limit later shortens the warning with it.
	r.do(chair, rooms.Command{Type: rooms.CmdSetTimeLimit, Seconds: 60})
	r.do(chair, cmd(rooms.CmdCallNext))
	if f := r.snapshot().Floor; f.WarnS != 20 {
		t.Errorf("warning of a 60 s turn = %v, want 20 (a third)", f.WarnS)
	}
	if got := r.state.Changes(rooms.EvWarningSet, r.now); got[rooms.KeyWarning] != 40.0 {
		t.Errorf("warning_set changes %v", got)
	}
}

func TestReplyNamesTheInterventionItAnswers(t *testing.T) {
	r := queued(t, queue.PolicyFIFO)
	if _, err := r.try(mei, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "reply", RepliesTo: "r2"}); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("reply to a turn not given: %v, want ErrNotFound", err)
	}
	if _, err := rooms.DecodeCommand([]byte(`{"type":"raise_hand","replies_to":"r2"}`)); !errors.Is(err, rooms.ErrInvalid) {
		t.Errorf("replies_to on a request to speak: %v, want ErrInvalid", err)
	}
	r.do(chair, cmd(rooms.CmdCallNext)) // amina, r2
	r.do(mei, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "reply"})
	want := rooms.ReplyTo{Request: "r2", Name: "Amina", Group: "civil-society"}
	reply := func() *rooms.QueueEntry {
		for _, e := range r.snapshot().Queue {
			if e.Kind == queue.KindReply {
				return &e
			}
		}
		return nil
	}
	if e := reply(); e == nil || e.RepliesTo == nil || *e.RepliesTo != want {
		t.Fatalf("reply entry = %+v, want replying to %+v", e, want)
	}
	r.do(chair, cmd(rooms.CmdRelease))
	// A reply to an earlier intervention names it.
	r.do(carlos, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "reply", RepliesTo: "r2"})
	var named int
	for _, e := range r.snapshot().Queue {
		if e.RepliesTo != nil && *e.RepliesTo == want {
			named++
		}
	}
	if named != 2 {
		t.Errorf("%d replies name amina's turn, want 2", named)
	}
	for f := r.snapshot().Floor; f == nil || f.Kind != queue.KindReply; f = r.snapshot().Floor {
		r.do(chair, cmd(rooms.CmdCallNext))
	}
	if f := r.snapshot().Floor; f.RepliesTo == nil || *f.RepliesTo != want {
		t.Errorf("floor of the reply = %+v", f)
	}
}
