package queue

import (
	"encoding/binary"
	"math"
)

// scoreEpsilon makes scores that differ only by rounding count as equal, so
// waiting time decides between them.
const scoreEpsilon = 1e-9

// ledger is one weighted dimension of the record.
type ledger struct {
	dim    string
	weight float64
	cats   []string // present categories, sorted
	index  map[string]int
	target []float64
	share  []float64 // of the measure, turns or seconds
	term   []float64 // weight * (target - share), per category
}

// bgroup holds, in arrival order, the requests with the same categories in
// every weighted dimension: they score the same, so each pick compares
// groups, not requests.
type bgroup struct {
	cats    []int // per ledger; -1 where the request has no category there
	members []int // ranks: indices into the arrival-sorted speak list
	next    int
	score   float64
}

// balancer orders requests by how far their categories stand below their
// target shares in the record as it is now, earliest first among equals,
// and bounds how often anyone is passed over. Scores come from the present
// record only, so every reason it gives is a fact about the room now.
type balancer struct {
	p       Policy
	speak   []Request
	ledgers []*ledger
	groups  []*bgroup // those with requests left, in order of first arrival
	groupOf []*bgroup // by rank
	picked  []bool    // by rank
	passes  *passTree
	initial []int // by rank: Passes as counted towards the bound
}

// appendBalanced places speak requests, already in arrival order, by the
// balanced policy. Targets come from TargetShares over the record and all of
// pending. Points of order and replies are not balanced: they are taken
// first whatever the balance.
func appendBalanced(out []Entry, speak, pending []Request, rec Record, p Policy) []Entry {
	if len(speak) == 0 {
		return out
	}
	b := newBalancer(speak, pending, rec, p)
	order := make([]int, 0, len(speak))
	overdue := map[int]int{} // rank -> passes, for those the bound placed
	for range speak {
		i, late := b.pick()
		if late {
			overdue[i] = max(speak[i].Passes, 0) + b.passes.get(i) - b.initial[i]
		}
		order = append(order, i)
		b.call(i)
	}
	for k, i := range order {
		why, late := Why{Code: WhyOverdue, Passes: overdue[i]}, false
		if _, late = overdue[i]; !late {
			why = b.explain(order, overdue, k)
		}
		out = append(out, entry(speak[i], why, -1))
	}
	return out
}

func newBalancer(speak, pending []Request, rec Record, p Policy) *balancer {
	b := &balancer{p: p, speak: speak, picked: make([]bool, len(speak))}
	for _, d := range sortedKeys(p.Weights) {
		if w := p.Weights[d]; w > 0 {
			b.ledgers = append(b.ledgers, newLedger(d, w, rec, pending, p))
		}
	}

	index := map[string]*bgroup{}
	b.groupOf = make([]*bgroup, len(speak))
	var key []byte
	cats := make([]int, len(b.ledgers))
	for i, r := range speak {
		key = key[:0]
		for li, l := range b.ledgers {
			cats[li] = -1
			if c, ok := l.index[r.Categories[l.dim]]; ok {
				cats[li] = c
			}
			key = binary.AppendVarint(key, int64(cats[li]))
		}
		g, ok := index[string(key)]
		if !ok {
			g = &bgroup{cats: append([]int(nil), cats...)}
			g.score = b.score(g)
			index[string(key)] = g
			b.groups = append(b.groups, g)
		}
		g.members = append(g.members, i)
		b.groupOf[i] = g
	}

	b.initial = make([]int, len(speak))
	for i, r := range speak {
		b.initial[i] = min(max(r.Passes, 0), p.MaxPasses)
	}
	b.passes = newPassTree(b.initial)
	return b
}

// newLedger figures one dimension's shares of the measure and targets.
func newLedger(d string, w float64, rec Record, pending []Request, p Policy) *ledger {
	cats := presentCategories(d, rec, pending)
	shares := sharesOf(rec[d], cats, p.Measure)
	l := &ledger{
		dim: d, weight: w, cats: cats,
		index:  make(map[string]int, len(cats)),
		target: targetsFor(p.Targets[d], cats, shares),
		share:  shares,
		term:   make([]float64, len(cats)),
	}
	for i, c := range cats {
		l.index[c] = i
		l.term[i] = w * (l.target[i] - l.share[i])
	}
	return l
}

// measureOf is what a tally holds of the measure.
func measureOf(t Tally, measure string) float64 {
	if measure == MeasureTurns {
		return finite(float64(t.Turns))
	}
	return finite(t.Seconds)
}

// finite treats what a sane record cannot hold (negative, NaN, infinite) as
// nothing, so bad figures cannot poison every score.
func finite(x float64) float64 {
	if x > 0 && x <= math.MaxFloat64 {
		return x
	}
	return 0
}

func (b *balancer) term(g *bgroup, li int) float64 {
	if c := g.cats[li]; c >= 0 {
		return b.ledgers[li].term[c]
	}
	return 0
}

func (b *balancer) score(g *bgroup) float64 {
	s := 0.0
	for li := range b.ledgers {
		s += b.term(g, li)
	}
	if math.IsNaN(s) {
		return math.Inf(-1)
	}
	return s
}

// head returns g's earliest request still waiting, or -1.
func (b *balancer) head(g *bgroup) int {
	for g.next < len(g.members) && b.picked[g.members[g.next]] {
		g.next++
	}
	if g.next == len(g.members) {
		return -1
	}
	return g.members[g.next]
}

// pick chooses the next request: the earliest one passed over MaxPasses
// times if any (late), else the head of the best-scoring group, the
// earliest head among equals.
func (b *balancer) pick() (i int, late bool) {
	if i := b.passes.firstAtLeast(b.p.MaxPasses); i >= 0 {
		return i, true
	}
	kept := b.groups[:0]
	var best *bgroup
	for _, g := range b.groups {
		h := b.head(g)
		if h < 0 {
			continue
		}
		kept = append(kept, g)
		if best == nil || g.score > best.score+scoreEpsilon ||
			(g.score >= best.score-scoreEpsilon && h < b.head(best)) {
			best = g
		}
	}
	b.groups = kept
	return b.head(best), false
}

// call records that request i is taken: every request still waiting that
// came before it has been passed once more.
func (b *balancer) call(i int) {
	b.picked[i] = true
	b.passes.remove(i)
	b.passes.addRange(0, i, 1)
}

// explain says why the request at position k of order (ranks) stands there,
// relative to those ahead of it: behind later requests whose categories
// stand further below their targets, or behind earlier ones only; the first
// says why it goes before earlier requests.
func (b *balancer) explain(order []int, overdue map[int]int, k int) Why {
	i := order[k]
	var later []int // ahead of i, asked after it, not placed by the bound
	ahead := 0
	for _, j := range order[:k] {
		if j > i {
			ahead++
			if _, late := overdue[j]; !late {
				later = append(later, j)
			}
		}
	}
	switch {
	case ahead > 0:
		w := Why{Code: WhyAfter, Ahead: ahead}
		if len(later) > 0 {
			w = b.figures(w, b.groupOf[later[0]], b.groupOf[i])
			w.Code, w.Ahead = WhyAfter, ahead
		}
		return w
	case k == 0:
		// Ahead of every earlier request: name the closest of them.
		var runner *bgroup
		for _, g := range b.groupOf[:i] {
			if g != b.groupOf[i] && (runner == nil || g.score > runner.score) {
				runner = g
			}
		}
		if runner == nil {
			return Why{Code: WhyWaiting}
		}
		return b.figures(Why{}, b.groupOf[i], runner)
	}
	return Why{Code: WhyWaiting, Ahead: k}
}

// figures names the dimension where first gains most over second, by the
// category that shows it: first's, when it stands below its target (share),
// or else second's, which then stands further above its own (before).
func (b *balancer) figures(w Why, first, second *bgroup) Why {
	at, gain := 0, math.Inf(-1)
	for li := range b.ledgers {
		if d := b.term(first, li) - b.term(second, li); d > gain {
			at, gain = li, d
		}
	}
	if len(b.ledgers) == 0 {
		return Why{Code: WhyWaiting}
	}
	l := b.ledgers[at]
	c, code := first.cats[at], WhyShare
	if c < 0 || l.term[c] <= 0 {
		c, code = second.cats[at], WhyBefore
	}
	if c < 0 {
		return Why{Code: WhyWaiting}
	}
	w.Code, w.Category, w.Measure, w.Share, w.Target = code, l.cats[c], b.p.Measure, l.share[c], l.target[c]
	return w
}
