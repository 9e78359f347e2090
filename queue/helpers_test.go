package queue_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
)

// t0 is the opening of NETmundial's first plenary.
var t0 = time.Date(2014, 4, 23, 9, 0, 0, 0, time.UTC)

// req builds a speak request raised min minutes after t0; cats are
// "dimension=category" pairs.
func req(id string, min int, cats ...string) queue.Request {
	r := queue.Request{ID: id, Sub: "sub-" + id, Kind: queue.KindSpeak, RaisedAt: t0.Add(time.Duration(min) * time.Minute)}
	if len(cats) > 0 {
		r.Categories = map[string]string{}
	}
	for _, c := range cats {
		d, v, _ := strings.Cut(c, "=")
		r.Categories[d] = v
	}
	return r
}

func withKind(r queue.Request, k queue.RequestKind) queue.Request {
	r.Kind = k
	return r
}

func ids(es []queue.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Request.ID
	}
	return out
}

func reasons(es []queue.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Request.ID + ": " + e.Reason
	}
	return out
}

// turns builds a record of turns per category in one dimension, two minutes
// each.
func turns(rec queue.Record, dim string, pairs map[string]int) queue.Record {
	if rec == nil {
		rec = queue.Record{}
	}
	rec[dim] = map[string]queue.Tally{}
	for c, n := range pairs {
		rec[dim][c] = queue.Tally{Requests: n, Turns: n, Seconds: float64(n) * 120}
	}
	return rec
}

var (
	groups  = []string{"government", "private-sector", "civil-society", "technical-community", "academia", "intergovernmental"}
	regions = []string{"africa", "asia-pacific", "eastern-europe", "latin-america-caribbean", "western-europe-others"}
	genders = []string{"woman", "man", "non-binary", "undisclosed"}
	modes   = []string{"in-room", "remote", "hub"}
	// dims is a slice, not a map, so random inputs come out the same every run.
	dims = []struct {
		name string
		cats []string
	}{{queue.DimGroup, groups}, {queue.DimRegion, regions}, {queue.DimGender, genders}, {queue.DimMode, modes}}
)

// randomInput builds n pending requests of every kind, some missing
// dimensions, with Passes within the policy's bound and expected lengths
// known for most, a random record, and a time to plan from, usually after
// the requests (n of them raised within n seconds).
func randomInput(rng *rand.Rand, n int, p queue.Policy) queue.Input {
	np, err := p.Normalize()
	if err != nil {
		panic(err)
	}
	in := queue.Input{Policy: p, Record: queue.Record{}, Cursor: rng.IntN(13) - 6}
	for i := range n {
		r := queue.Request{
			ID:       fmt.Sprintf("r%04d", i),
			Kind:     queue.KindSpeak,
			RaisedAt: t0.Add(time.Duration(rng.IntN(n+1)) * time.Second), // shared times exercise the ID tie-break
			Passes:   rng.IntN(np.MaxPasses + 1),
		}
		if rng.IntN(4) > 0 {
			r.Expected = time.Duration(30+rng.IntN(211)) * time.Second
		}
		switch rng.IntN(20) {
		case 0:
			r.Kind = queue.KindPointOfOrder
		case 1, 2:
			r.Kind = queue.KindReply
		}
		r.Categories = map[string]string{}
		for _, d := range dims {
			if rng.IntN(8) > 0 {
				r.Categories[d.name] = d.cats[rng.IntN(len(d.cats))]
			}
		}
		in.Pending = append(in.Pending, r)
	}
	in.Now = t0.Add(time.Duration(rng.IntN(n+600)-60) * time.Second)
	for _, d := range dims {
		in.Record[d.name] = map[string]queue.Tally{}
		for _, c := range d.cats {
			if rng.IntN(3) > 0 {
				k := rng.IntN(20)
				in.Record[d.name][c] = queue.Tally{Requests: k + rng.IntN(5), Turns: k, Seconds: float64(k) * (60 + 120*rng.Float64())}
			}
		}
	}
	return in
}

// checkInvariants asserts what holds for every queue whatever the policy:
// nothing lost or duplicated, points of order then replies first in arrival
// order, fifo in arrival order, the pass-over bound under balanced, rotation
// slots that exist, and the same result for shuffled input.
func checkInvariants(t testing.TB, in queue.Input, out []queue.Entry) {
	t.Helper()
	p, err := in.Policy.Normalize()
	if err != nil {
		p = queue.Policy{Kind: queue.PolicyFIFO}
	}
	want := make([]string, len(in.Pending))
	for i, r := range in.Pending {
		want[i] = r.ID
	}
	got := ids(out)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("queue holds %v, pending was %v", got, want)
	}

	rank := func(k queue.RequestKind) int {
		switch k {
		case queue.KindPointOfOrder:
			return 0
		case queue.KindReply:
			return 1
		}
		return 2
	}
	for i := 1; i < len(out); i++ {
		a, b := out[i-1].Request, out[i].Request
		ra, rb := rank(a.Kind), rank(b.Kind)
		if ra > rb {
			t.Fatalf("position %d: %s (%s) after %s (%s)", i, b.ID, b.Kind, a.ID, a.Kind)
		}
		if ra == rb && (ra < 2 || p.Kind == queue.PolicyFIFO) && arrival(a, b) > 0 {
			t.Fatalf("position %d: %s raised before %s but placed after it", i, b.ID, a.ID)
		}
	}

	var speak []queue.Entry
	for _, e := range out {
		if rank(e.Request.Kind) == 2 {
			speak = append(speak, e)
		}
		if e.Reason == "" {
			t.Fatalf("%s has no reason", e.Request.ID)
		}
		if e.Slot < -1 || e.Slot >= len(p.Pattern) || (p.Kind != queue.PolicyRotate && e.Slot != -1) {
			t.Fatalf("%s has slot %d with pattern %v under %s", e.Request.ID, e.Slot, p.Pattern, p.Kind)
		}
	}
	if p.Kind == queue.PolicyBalanced && p.MaxWaitS > 0 && !in.Now.IsZero() {
		checkWaits(t, in, p, out)
	} else if p.Kind == queue.PolicyBalanced {
		for i, e := range speak {
			passed := 0
			for _, before := range speak[:i] {
				if arrival(before.Request, e.Request) > 0 {
					passed++
				}
			}
			if initial := max(e.Request.Passes, 0); initial+passed > max(p.MaxPasses, initial) {
				t.Fatalf("%s (%d passes before) was passed %d more times, bound %d", e.Request.ID, initial, passed, p.MaxPasses)
			}
		}
	}

	shuffled := in
	shuffled.Pending = slices.Clone(in.Pending)
	rand.New(rand.NewPCG(uint64(len(out)), 1)).Shuffle(len(shuffled.Pending), func(i, j int) {
		shuffled.Pending[i], shuffled.Pending[j] = shuffled.Pending[j], shuffled.Pending[i]
	})
	if again := queue.Order(shuffled); !slices.Equal(reasons(again), reasons(out)) || !slices.Equal(slots(again), slots(out)) {
		t.Fatalf("shuffled input gave another queue:\n%v\nthen\n%v", reasons(out), reasons(again))
	}
}

func arrival(a, b queue.Request) int {
	if c := a.RaisedAt.Compare(b.RaisedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func slots(es []queue.Entry) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.Slot
	}
	return out
}

// plan is the queue's speakers with their planned starts, in seconds after
// in.Now: points of order and replies first, then the policy's speakers
// in order, each taking the time expected of it. The chair's placements
// are left out: the policy plans without them.
type plan struct {
	entries  []queue.Entry
	start    []float64
	length   []float64
	deadline []float64 // latest start, seconds after in.Now
}

func newPlan(in queue.Input, p queue.Policy, out []queue.Entry) plan {
	turn := averageTurn(in.Record)
	chair := map[string]bool{}
	for _, m := range in.Moves {
		chair[m.ID] = true
	}
	for _, s := range in.Skips {
		chair[s.ID] = true
	}
	var pl plan
	at := 0.0
	for _, e := range out {
		if chair[e.Request.ID] && e.Request.Kind != queue.KindPointOfOrder {
			continue
		}
		l := turn
		if e.Request.Expected > 0 {
			l = e.Request.Expected.Seconds()
		}
		pl.entries = append(pl.entries, e)
		pl.start = append(pl.start, at)
		pl.length = append(pl.length, l)
		pl.deadline = append(pl.deadline, e.Request.RaisedAt.Sub(in.Now).Seconds()+float64(p.MaxWaitS))
		at += l
	}
	return pl
}

// averageTurn is the record's average turn from the dimension with the most
// turns, 120 s before anyone has spoken.
func averageTurn(rec queue.Record) float64 {
	best, seconds := 0, 0.0
	dims := slices.Sorted(maps.Keys(rec))
	for _, d := range dims {
		n, s := 0, 0.0
		for _, t := range rec[d] {
			n += max(t.Turns, 0)
			if t.Seconds > 0 && !math.IsInf(t.Seconds, 0) {
				s += t.Seconds
			}
		}
		if n > best {
			best, seconds = n, s
		}
	}
	if best == 0 || seconds <= 0 {
		return 120
	}
	return seconds / float64(best)
}

// order is the speakers from index k of pl, with first (if not -1) ahead
// and the others in arrival order: the order that meets every deadline if
// any does.
func (pl plan) order(k, first int) []int {
	var rest []int
	for j := k; j < len(pl.entries); j++ {
		if j != first && pl.entries[j].Request.Kind == queue.KindSpeak {
			rest = append(rest, j)
		}
	}
	slices.SortFunc(rest, func(a, b int) int { return arrival(pl.entries[a].Request, pl.entries[b].Request) })
	if first >= 0 {
		rest = append([]int{first}, rest...)
	}
	return rest
}

// late returns the requests that would start after their latest start if
// the speakers from index k went in the given order.
func (pl plan) late(k int, order []int) []int {
	var late []int
	at := pl.start[k]
	for _, j := range order {
		if at > pl.deadline[j]+1e-6 {
			late = append(late, j)
		}
		at += pl.length[j]
	}
	return late
}

// checkWaits asserts the bound on waiting in seconds: when the requests
// could all start in time taken in arrival order, the policy's queue
// starts every one in time too.
func checkWaits(t testing.TB, in queue.Input, p queue.Policy, out []queue.Entry) {
	t.Helper()
	pl := newPlan(in, p, out)
	var speakers []int
	for k, e := range pl.entries {
		if e.Request.Kind == queue.KindSpeak {
			speakers = append(speakers, k)
		}
	}
	if len(speakers) == 0 {
		return
	}
	if len(pl.late(speakers[0], pl.order(speakers[0], -1))) > 0 {
		return // nobody could start them all in time
	}
	for _, k := range speakers {
		if pl.start[k] > pl.deadline[k]+1e-6 {
			t.Fatalf("%s starts %.0f s after now, its latest start is %.0f s", pl.entries[k].Request.ID, pl.start[k], pl.deadline[k])
		}
	}
}
