package queue_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
)

// TestWaitBoundIsKept gives each random queue a bound on waiting that
// arrival order just meets, so balancing is free to reorder only within
// the slack: every request must start in time, and every reason be true.
func TestWaitBoundIsKept(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 21))
	due := 0
	for i := range 300 {
		p := queue.Policy{Kind: queue.PolicyBalanced, MaxWaitS: 1}
		if i%2 == 1 {
			p.Measure = queue.MeasureTurns
		}
		in := randomInput(rng, 1+rng.IntN(50), p)
		np, _ := in.Policy.Normalize()
		pl := newPlan(in, np, queue.Order(in))
		// The wait arrival order needs, with the bound of 1 s counted out.
		need := 0.0
		arrival := pl.order(0, -1)
		for _, j := range arrival {
			need = max(need, pl.start[arrival[0]]+sumLengths(pl, arrival, j)-(pl.deadline[j]-1))
		}
		in.Policy.MaxWaitS = int(math.Ceil(need)) + 1 + rng.IntN(180)
		out := queue.Order(in)
		checkInvariants(t, in, out)
		checkReasons(t, in, out)
		if slices.ContainsFunc(out, func(e queue.Entry) bool { return e.Why.Code == queue.WhyDue }) {
			due++
		}
	}
	if due < 50 {
		t.Errorf("only %d of 300 queues had a request fall due: the test does not bite", due)
	}
	t.Logf("%d of 300 queues had a request fall due", due)
}

// sumLengths is the planned time of the speakers ahead of j in order.
func sumLengths(pl plan, order []int, j int) float64 {
	sum := 0.0
	for _, k := range order {
		if k == j {
			break
		}
		sum += pl.length[k]
	}
	return sum
}

// A bound of 10 minutes on a queue of 3-minute speeches: the balance would
// put both women first, but the man who asked first would then start 12
// minutes after asking, so he goes second, and the reasons say so.
func TestWaitBoundInSeconds(t *testing.T) {
	rec := turns(nil, "gender", map[string]int{"man": 8, "woman": 2})
	long := func(r queue.Request) queue.Request { r.Expected = 6 * time.Minute; return r }
	pending := []queue.Request{
		req("m1", 0, "gender=man"), long(req("w1", 1, "gender=woman")), long(req("w2", 2, "gender=woman")),
	}
	in := queue.Input{Pending: pending, Record: rec, Now: t0.Add(2 * time.Minute),
		Policy: queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns, MaxWaitS: 600}}
	out := queue.Order(in)
	checkReasons(t, in, out)
	want := []string{
		"w1: women have had 20% of turns against a 50% target",
		"m1: asked at 09:00:00 UTC, the earliest waiting: the next in balance would keep someone waiting more than 10 minutes",
		"w2: behind 2 requests made earlier",
	}
	if got := reasons(out); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Without the time, or with passes bounded, both women go first.
	for _, in := range []queue.Input{{Pending: pending, Record: rec, Policy: in.Policy}, {Pending: pending, Record: rec, Now: in.Now, Policy: queue.Policy{Measure: queue.MeasureTurns}}} {
		if got := ids(queue.Order(in)); !slices.Equal(got, []string{"w1", "w2", "m1"}) {
			t.Errorf("%+v: order %v, want w1 w2 m1", in.Policy, got)
		}
	}
}
