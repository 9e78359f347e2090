package queue_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
)

// propertyPolicies covers each kind with its defaults and with settings that
// make the rules bite: a tight bound, turns, partial targets, a pattern with
// repeated and unmatched slots.
var propertyPolicies = []queue.Policy{
	{Kind: queue.PolicyFIFO},
	{Kind: queue.PolicyRotate},
	{Kind: queue.PolicyRotate, Pattern: []string{"woman", "remote", "africa", "man", "hub", "nobody", "woman"}},
	{Kind: queue.PolicyBalanced},
	{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns, MaxPasses: 2},
	{Kind: queue.PolicyBalanced, MaxPasses: 1, Weights: map[string]float64{"group": 3, "region": 0}},
	{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns, MaxPasses: 5,
		Targets: map[string]map[string]float64{"gender": {"woman": 0.5}, "group": {"civil-society": 0.4, "government": 0.1}}},
	// Waits bounded in seconds: tight enough that requests fall due, loose
	// enough that some queues can still be balanced.
	{Kind: queue.PolicyBalanced, MaxWaitS: 3600},
	{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns, MaxWaitS: 1500, Weights: map[string]float64{"gender": 1, "mode": 2}},
}

func TestOrderInvariants(t *testing.T) {
	for pi, p := range propertyPolicies {
		t.Run(fmt.Sprintf("%d-%s", pi, p.Kind), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(pi), 42))
			for range 150 {
				in := randomInput(rng, rng.IntN(60), p)
				checkInvariants(t, in, queue.Order(in))
			}
		})
	}
}

func TestFIFOIsArrivalOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 100 {
		in := randomInput(rng, rng.IntN(60), queue.Policy{Kind: queue.PolicyFIFO})
		var want []queue.Request
		for _, r := range in.Pending {
			if r.Kind != queue.KindPointOfOrder && r.Kind != queue.KindReply {
				want = append(want, r)
			}
		}
		slices.SortFunc(want, arrival)
		out := queue.Order(in)
		got := ids(out[len(out)-len(want):])
		for i, r := range want {
			if got[i] != r.ID {
				t.Fatalf("position %d: got %s, want %s (arrival order)", i, got[i], r.ID)
			}
		}
	}
}

// TestBalancedIsFIFOWhenAllIsBalanced: with every category even in the
// record and hands arriving in a steady cycle through them, nobody is behind,
// so balancing has nothing to correct and keeps arrival order.
func TestBalancedIsFIFOWhenAllIsBalanced(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	gs, gens, ms := groups[:5], genders[:2], modes
	for range 50 {
		for _, measure := range []string{queue.MeasureTime, queue.MeasureTurns} {
			each := rng.IntN(6)
			rec := queue.Record{}
			for d, cs := range map[string][]string{"group": gs, "gender": gens, "mode": ms} {
				rec[d] = map[string]queue.Tally{}
				for _, c := range cs {
					rec[d][c] = queue.Tally{Turns: each * 30 / len(cs), Seconds: float64(each*30/len(cs)) * 120}
				}
			}
			n := 1 + rng.IntN(90)
			offset := rng.IntN(30) // any starting point in the cycle of 30 combinations
			var pending []queue.Request
			for i := range n {
				k := offset + i
				pending = append(pending, req(fmt.Sprintf("r%03d", i), i,
					"group="+gs[k%len(gs)], "gender="+gens[k%len(gens)], "mode="+ms[k%len(ms)]))
			}
			in := queue.Input{Pending: pending, Record: rec, Policy: queue.Policy{Kind: queue.PolicyBalanced, Measure: measure}}
			fifo := ids(queue.Order(queue.Input{Pending: pending, Policy: queue.Policy{Kind: queue.PolicyFIFO}}))
			if got := ids(queue.Order(in)); !slices.Equal(got, fifo) {
				t.Fatalf("%s, %d per category, offset %d: balanced %v, fifo %v", measure, each, offset, got, fifo)
			}
		}
	}
}

func TestOrderLargeQueueKeepsEveryRequest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1000, 1))
	for _, p := range propertyPolicies {
		in := randomInput(rng, 1000, p)
		checkInvariants(t, in, queue.Order(in))
	}
}

func TestOrderIgnoresRecordNoise(t *testing.T) {
	// Figures no real record holds must not stall or scramble the queue.
	in := queue.Input{
		Pending: []queue.Request{req("a", 1, "group=civil-society"), req("b", 2, "group=government"), req("c", 3, "group=academia")},
		Record: queue.Record{"group": {
			"civil-society": {Turns: -4, Seconds: -100}, "government": {Turns: 1 << 40, Seconds: 1e308},
			"academia": {Turns: 2, Seconds: 1e308}, "": {Turns: 3},
		}},
	}
	for _, measure := range []string{queue.MeasureTime, queue.MeasureTurns} {
		in.Policy = queue.Policy{Measure: measure}
		checkInvariants(t, in, queue.Order(in))
	}
}

func TestOrderSameTimeSameOrder(t *testing.T) {
	// Replays on other nodes see the same times and IDs in any order.
	at := t0.Add(time.Hour)
	var pending []queue.Request
	for i := range 40 {
		r := req(fmt.Sprintf("r%02d", 39-i), 0, "group="+groups[i%len(groups)], "gender="+genders[i%3])
		r.RaisedAt = at
		pending = append(pending, r)
	}
	for _, p := range propertyPolicies {
		in := queue.Input{Pending: pending, Policy: p}
		checkInvariants(t, in, queue.Order(in))
	}
}
