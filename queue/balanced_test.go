package queue_test

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/parley-hub/parley/queue"
)

func TestBalanced(t *testing.T) {
	groupOnly := map[string]float64{"group": 1}
	for _, tc := range []struct {
		name    string
		policy  queue.Policy
		record  queue.Record
		pending []queue.Request
		want    []string
	}{
		{
			name:   "furthest below target of speaking time first",
			policy: queue.Policy{Weights: groupOnly},
			record: queue.Record{"group": {
				"civil-society": {Turns: 1, Seconds: 120}, "government": {Turns: 2, Seconds: 240},
				"private-sector": {Turns: 2, Seconds: 240}, "technical-community": {Turns: 2, Seconds: 200},
				"academia": {Turns: 2, Seconds: 200},
			}},
			pending: []queue.Request{req("ps", 1, "group=private-sector"), req("cs", 2, "group=civil-society")},
			want: []string{
				"cs: civil society has had 12% of speaking time against a 20% target",
				"ps: 1 later request goes first: civil society has had 12% of speaking time against a 20% target",
			},
		},
		{
			name:    "turns measure",
			policy:  queue.Policy{Measure: queue.MeasureTurns, Weights: map[string]float64{"gender": 1}},
			record:  turns(nil, "gender", map[string]int{"woman": 3, "man": 7}),
			pending: []queue.Request{req("m", 1, "gender=man"), req("w", 2, "gender=woman")},
			want: []string{
				"w: women have had 30% of turns against a 50% target",
				"m: 1 later request goes first: women have had 30% of turns against a 50% target",
			},
		},
		{
			name:   "the record as it is now decides, not turns yet to come",
			policy: queue.Policy{Weights: groupOnly},
			record: queue.Record{"group": {
				"civil-society": {Turns: 1, Seconds: 60}, "private-sector": {Turns: 1, Seconds: 300},
			}},
			pending: []queue.Request{req("c1", 1, "group=civil-society"), req("c2", 2, "group=civil-society"), req("p", 3, "group=private-sector")},
			want: []string{
				"c1: nobody waiting asked earlier",
				"c2: behind 1 request made earlier",
				"p: behind 2 requests made earlier",
			},
		},
		{
			name:   "passed over max_passes times goes next",
			policy: queue.Policy{Measure: queue.MeasureTurns, Weights: groupOnly, MaxPasses: 3},
			record: turns(nil, "group", map[string]int{"private-sector": 100}),
			pending: []queue.Request{
				req("p1", 0, "group=private-sector"),
				req("c1", 1, "group=civil-society"), req("c2", 2, "group=civil-society"), req("c3", 3, "group=civil-society"),
				req("c4", 4, "group=civil-society"), req("c5", 5, "group=civil-society"),
			},
			want: []string{
				"c1: civil society has had 0% of turns against a 50% target",
				"c2: behind 1 request made earlier",
				"c3: behind 2 requests made earlier",
				"p1: passed over 3 times, the most allowed: nobody more goes ahead",
				"c4: behind 4 requests made earlier",
				"c5: behind 5 requests made earlier",
			},
		},
		{
			name:   "passes counted before this order count",
			policy: queue.Policy{Measure: queue.MeasureTurns, Weights: groupOnly, MaxPasses: 3},
			record: turns(nil, "group", map[string]int{"private-sector": 100}),
			pending: []queue.Request{
				func() queue.Request { r := req("p1", 0, "group=private-sector"); r.Passes = 2; return r }(),
				req("c1", 1, "group=civil-society"), req("c2", 2, "group=civil-society"),
			},
			want: []string{
				"c1: civil society has had 0% of turns against a 50% target",
				"p1: passed over 3 times, the most allowed: nobody more goes ahead",
				"c2: behind 2 requests made earlier",
			},
		},
		{
			name:    "equal standing: waiting time decides",
			policy:  queue.Policy{Weights: groupOnly},
			pending: []queue.Request{req("b", 2, "group=civil-society"), req("a", 1, "group=private-sector")},
			want: []string{
				"a: nobody waiting asked earlier",
				"b: behind 1 request made earlier",
			},
		},
		{
			name:   "a request without a dimension wins on the other's category there",
			policy: queue.Policy{Measure: queue.MeasureTurns, Weights: map[string]float64{"group": 1, "gender": 1}},
			record: turns(turns(nil, "group", map[string]int{"private-sector": 5, "civil-society": 5}),
				"gender", map[string]int{"man": 8, "woman": 2}),
			pending: []queue.Request{req("man", 1, "group=private-sector", "gender=man"), req("anon", 2, "group=private-sector")},
			want: []string{
				"anon: taken before men, who have had 80% of turns against a 50% target",
				"man: 1 later request goes first: men have had 80% of turns against a 50% target",
			},
		},
		{
			name:    "zero weight ignores a dimension",
			policy:  queue.Policy{Weights: map[string]float64{"group": 0, "gender": 1}},
			record:  turns(nil, "group", map[string]int{"civil-society": 10}),
			pending: []queue.Request{req("cs", 1, "group=civil-society", "gender=woman"), req("ps", 2, "group=private-sector", "gender=woman")},
			want: []string{
				"cs: nobody waiting asked earlier",
				"ps: behind 1 request made earlier",
			},
		},
		{
			name:    "given targets override equal shares",
			policy:  queue.Policy{Measure: queue.MeasureTurns, Weights: map[string]float64{"gender": 1}, Targets: map[string]map[string]float64{"gender": {"woman": 0.3}}},
			record:  turns(nil, "gender", map[string]int{"woman": 4, "man": 6}),
			pending: []queue.Request{req("w", 1, "gender=woman"), req("m", 2, "gender=man")},
			want: []string{
				"m: men have had 60% of turns against a 70% target",
				"w: 1 later request goes first: men have had 60% of turns against a 70% target",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.policy.Kind = queue.PolicyBalanced
			out := queue.Order(queue.Input{Pending: tc.pending, Record: tc.record, Policy: tc.policy})
			if got := reasons(out); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestTargetShares(t *testing.T) {
	p := queue.Policy{Targets: map[string]map[string]float64{"group": {"civil-society": 0.4, "intergovernmental": 0.1}}}
	rec := turns(nil, "group", map[string]int{"government": 1, "private-sector": 2, "civil-society": 0})
	pending := []queue.Request{req("a", 1, "group=academia", "gender=woman"), req("b", 2, "gender=man")}
	got := queue.TargetShares(p, rec, pending)
	rest := 0.5 / 3
	want := map[string]map[string]float64{
		"group": {
			"civil-society": 0.4, "intergovernmental": 0.1, // given, present or not
			"government": rest, "private-sector": rest, "academia": rest, // what is left, equally
		},
		"gender": {"woman": 0.5, "man": 0.5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// TestBalancedSkewedDemand runs an hour of a meeting where 70% of the hands
// come from the private sector and 75% from men: 30 hands are up when the
// list opens, two more are raised during each 2-minute turn, and the head of
// the queue always speaks next. Balanced (by turns, default weights and
// bound) must end much closer to equal shares than first come, first served.
func TestBalancedSkewedDemand(t *testing.T) {
	const seeds = 8
	distance := map[string]float64{}
	for _, kind := range []string{queue.PolicyFIFO, queue.PolicyBalanced} {
		var private, women float64
		for seed := range uint64(seeds) {
			rec, targets := simulateMeeting(queue.Policy{Kind: kind, Measure: queue.MeasureTurns}, seed, 30, 30, 2)
			for _, d := range []string{"group", "gender"} {
				total := 0
				for _, tally := range rec[d] {
					total += tally.Turns
				}
				for c, target := range targets[d] {
					distance[kind] += math.Abs(float64(rec[d][c].Turns)/float64(total)-target) / seeds
				}
			}
			private += float64(rec["group"]["private-sector"].Turns) / 30 / seeds
			women += float64(rec["gender"]["woman"].Turns) / 30 / seeds
		}
		t.Logf("%-8s private sector %3.0f%% of turns (target 20%%), women %3.0f%% (target 50%%), distance from targets %.2f",
			kind, private*100, women*100, distance[kind])
	}
	if distance[queue.PolicyBalanced] >= distance[queue.PolicyFIFO]/2 {
		t.Errorf("balanced is %.2f from the targets, fifo %.2f: want less than half", distance[queue.PolicyBalanced], distance[queue.PolicyFIFO])
	}
}
