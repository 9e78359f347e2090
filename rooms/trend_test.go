package rooms_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// speak gives who a turn of d, starting after a gap, under the current item.
func (r *room) speak(who rooms.Participant, gap, d time.Duration) {
	r.t.Helper()
	r.do(who, cmd(rooms.CmdRaiseHand))
	r.wait(gap)
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(d)
	r.do(chair, cmd(rooms.CmdRelease))
}

func TestBalanceOfOneAgendaItem(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(chair, rooms.Command{Type: rooms.CmdSetAgendaItem, Title: "Item 1: principles"})
	r.speak(amina, time.Minute, time.Minute)
	r.do(chair, rooms.Command{Type: rooms.CmdSetAgendaItem, Title: "Item 2: roadmap"})
	r.speak(carlos, time.Minute, 2*time.Minute)
	r.do(mei, cmd(rooms.CmdRaiseHand))
	r.do(chair, cmd(rooms.CmdCallNext))
	r.wait(30 * time.Second) // mei speaks on, under item 2

	if got := r.state.AgendaItems(); len(got) != 2 || got[0] != "Item 1: principles" || got[1] != "Item 2: roadmap" {
		t.Fatalf("agenda items %q", got)
	}
	one := r.state.BalanceFor("Item 1: principles", r.now)
	if one.Totals != (rooms.Totals{Requests: 1, Turns: 1, Seconds: 60}) || one.Running {
		t.Errorf("item 1 totals %+v running %v, want amina's one minute only", one.Totals, one.Running)
	}
	two := r.state.BalanceFor("Item 2: roadmap", r.now)
	if two.Totals != (rooms.Totals{Requests: 2, Turns: 2, Seconds: 150}) || !two.Running {
		t.Errorf("item 2 totals %+v running %v, want carlos's two minutes and mei's half so far", two.Totals, two.Running)
	}
	g := byCategory(two.Dimensions[queue.DimGroup])
	if g["government"].Seconds != 120 || g["academia"].Seconds != 30 || g["civil-society"].Seconds != 0 {
		t.Errorf("item 2 by group %+v", g)
	}
	if all := r.state.Balance(r.now); all.Totals.Seconds != 210 || all.Totals.Turns != 3 {
		t.Errorf("room totals %+v, want both items", all.Totals)
	}
	if none := r.state.BalanceFor("no such item", r.now); none.Totals != (rooms.Totals{}) {
		t.Errorf("an item never set: %+v", none.Totals)
	}
}

func TestTrendOfSpeakingTimeByGroup(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.speak(amina, time.Minute, time.Minute)      // civil society, 0:01-0:02
	r.speak(carlos, 7*time.Minute, 2*time.Minute) // government, 0:09-0:11
	r.wait(5 * time.Minute)

	tr := r.state.Trend(queue.DimGroup, 10*time.Minute, r.now)
	if tr.EveryS != 600 || len(tr.Steps) != 2 {
		t.Fatalf("every %v, %d steps; want 600 s and 2 steps", tr.EveryS, len(tr.Steps))
	}
	want := []struct{ seconds, shares map[string]float64 }{
		{map[string]float64{"civil-society": 60, "government": 60}, map[string]float64{"civil-society": .5, "government": .5}},
		{map[string]float64{"government": 60}, map[string]float64{"civil-society": 1.0 / 3, "government": 2.0 / 3}},
	}
	for i, w := range want {
		st := tr.Steps[i]
		for c, s := range w.seconds {
			if math.Abs(st.Seconds[c]-s) > 1e-9 {
				t.Errorf("step %d %s: %v s, want %v", i, c, st.Seconds[c], s)
			}
		}
		for c, s := range w.shares {
			if math.Abs(st.Shares[c]-s) > 1e-9 {
				t.Errorf("step %d %s: share %v, want %v", i, c, st.Shares[c], s)
			}
		}
	}
	if !tr.Steps[0].Start.Equal(t0) || !tr.Steps[1].End.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("steps span %v to %v", tr.Steps[0].Start, tr.Steps[1].End)
	}
}

// Whatever the turns, every second spoken is in the trend once, steps are
// bounded, and the last step's shares are the balance's time shares.
func TestTrendKeepsEverySecond(t *testing.T) {
	people := []rooms.Participant{amina, carlos, mei}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
		for range 1 + rng.IntN(30) {
			r.speak(people[rng.IntN(3)], time.Duration(rng.IntN(900))*time.Second, time.Duration(rng.IntN(400))*time.Second)
		}
		every := time.Duration(rng.IntN(1200)) * time.Second
		tr := r.state.Trend(queue.DimGroup, every, r.now)
		if len(tr.Steps) > rooms.MaxTrendSteps || tr.EveryS < rooms.MinTrendEvery.Seconds() {
			t.Fatalf("seed %d: %d steps of %v s", seed, len(tr.Steps), tr.EveryS)
		}
		sum := 0.0
		for _, st := range tr.Steps {
			for _, s := range st.Seconds {
				sum += s
			}
		}
		b := r.state.Balance(r.now)
		if math.Abs(sum-b.Totals.Seconds) > 1e-6 {
			t.Errorf("seed %d: the trend holds %v s, the balance %v s", seed, sum, b.Totals.Seconds)
		}
		last := tr.Steps[len(tr.Steps)-1].Shares
		for _, c := range b.Dimensions[queue.DimGroup] {
			if math.Abs(last[c.Category]-c.TimeShare) > 1e-9 {
				t.Errorf("seed %d: %s ends at %v of the time, the balance says %v", seed, c.Category, last[c.Category], c.TimeShare)
			}
		}
	}
}
