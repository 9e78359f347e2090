package queue

import (
	"encoding/binary"
	"math"
)

// scoreEpsilon makes scores that differ only by rounding count as equal, so
// waiting time decides between them.
const scoreEpsilon = 1e-9

// ledger is one weighted dimension of the simulated record.
type ledger struct {
	dim    string
	weight float64
	cats   []string // present categories, sorted
	index  map[string]int
	target []float64
	had    []float64 // of the measure, turns or seconds
	total  float64
	step   float64   // what one simulated turn adds
	term   []float64 // weight * (target - share), per category
}

// bgroup holds, in arrival order, the requests with the same categories in
// every weighted dimension: they score the same, so each pick compares
// groups, not requests.
type bgroup struct {
	cats    []int // per ledger; -1 where the request has no category
	members []int // ranks: indices into the arrival-sorted speak list
	next    int
}

// balancer simulates the meeting ahead: it calls requests one by one, each
// time the one whose categories are furthest below their target share, as if
// it had then spoken for an average turn.
type balancer struct {
	p       Policy
	speak   []Request
	ledgers []*ledger
	groups  []*bgroup // those with requests left, in order of first arrival
	groupOf []*bgroup // by rank
	picked  []bool    // by rank
	passes  *passTree
	initial []int     // by rank: Passes as counted towards the bound
	scores  []float64 // scratch, aligned with groups
	calls   int       // requests called so far in the simulation
}

// appendBalanced places speak requests, already in arrival order, by the
// balanced policy. Targets come from TargetShares over the record and all of
// pending. Points of order and replies are not simulated: they are taken
// first whatever the balance.
func appendBalanced(out []Entry, speak, pending []Request, rec Record, p Policy) []Entry {
	if len(speak) == 0 {
		return out
	}
	b := newBalancer(speak, pending, rec, p)
	for range speak {
		i, why := b.pick()
		out = append(out, entry(speak[i], why, -1))
		b.call(i)
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

func newLedger(d string, w float64, rec Record, pending []Request, p Policy) *ledger {
	cats := presentCategories(d, rec, pending)
	l := &ledger{
		dim: d, weight: w, cats: cats,
		index:  make(map[string]int, len(cats)),
		target: targetsFor(p.Targets[d], cats),
		had:    make([]float64, len(cats)),
		term:   make([]float64, len(cats)),
		step:   1,
	}
	seconds, turns := 0.0, 0.0
	for i, c := range cats {
		l.index[c] = i
		t := rec[d][c]
		s, n := finite(t.Seconds), finite(float64(t.Turns))
		seconds += s
		turns += n
		l.had[i] = n
		if p.Measure == MeasureTime {
			l.had[i] = s
		}
		l.total += l.had[i]
	}
	if p.Measure == MeasureTime {
		l.step = DefaultTurnSeconds
		if turns > 0 && seconds > 0 {
			l.step = seconds / turns
		}
	}
	l.refresh()
	return l
}

// finite treats what a sane record cannot hold (negative, NaN, infinite) as
// nothing, so bad figures cannot poison every score.
func finite(x float64) float64 {
	if x > 0 && x <= math.MaxFloat64 {
		return x
	}
	return 0
}

func (l *ledger) share(c int) float64 {
	if l.total <= 0 {
		return 0
	}
	return l.had[c] / l.total
}

func (l *ledger) refresh() {
	for c := range l.cats {
		l.term[c] = l.weight * (l.target[c] - l.share(c))
	}
}

func (b *balancer) score(g *bgroup) float64 {
	s := 0.0
	for li, l := range b.ledgers {
		if c := g.cats[li]; c >= 0 {
			s += l.term[c]
		}
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
// times if any, else the head of the best-scoring group.
func (b *balancer) pick() (int, Why) {
	if i := b.passes.firstAtLeast(b.p.MaxPasses); i >= 0 {
		n := max(b.speak[i].Passes, 0) + b.passes.get(i) - b.initial[i]
		return i, Why{Code: WhyOverdue, Passes: n}
	}

	kept := b.groups[:0]
	b.scores = b.scores[:0]
	top := math.Inf(-1)
	for _, g := range b.groups {
		if b.head(g) < 0 {
			continue
		}
		s := b.score(g)
		kept = append(kept, g)
		b.scores = append(b.scores, s)
		top = max(top, s)
	}
	b.groups = kept

	var best, runner *bgroup
	tied := 0
	runnerScore := math.Inf(-1)
	for k, g := range b.groups {
		s := b.scores[k]
		if s >= top-scoreEpsilon {
			tied++
			if best == nil || b.head(g) < b.head(best) {
				best = g
			}
		} else if runner == nil || s > runnerScore+scoreEpsilon ||
			(s >= runnerScore-scoreEpsilon && b.head(g) < b.head(runner)) {
			runner, runnerScore = g, s
		}
	}

	i := b.head(best)
	switch {
	case len(b.groups) == 1:
		return i, Why{Code: WhyAlone}
	case tied > 1:
		return i, Why{Code: WhyTie}
	default:
		return i, b.explain(best, runner)
	}
}

// explain names the dimension in which best gained most over runner, its
// closest competitor.
func (b *balancer) explain(best, runner *bgroup) Why {
	term := func(g *bgroup, li int) float64 {
		if c := g.cats[li]; c >= 0 {
			return b.ledgers[li].term[c]
		}
		return 0
	}
	at, gain := -1, 0.0
	for li := range b.ledgers {
		if d := term(best, li) - term(runner, li); d > gain {
			at, gain = li, d
		}
	}
	if at < 0 {
		return Why{Code: WhyBelowTarget} // the margin was lost to rounding
	}
	l := b.ledgers[at]
	if c := best.cats[at]; c >= 0 {
		return shareWhy(WhyShare, l.cats[c], b.p.Measure, l.share(c), l.target[c], b.calls > 0)
	}
	c := runner.cats[at]
	return shareWhy(WhyBefore, l.cats[c], b.p.Measure, l.share(c), l.target[c], b.calls > 0)
}

// call records that request i has been called: every request still waiting
// that came before it has been passed once more, and its categories have had
// one more turn.
func (b *balancer) call(i int) {
	b.picked[i] = true
	b.calls++
	b.passes.remove(i)
	b.passes.addRange(0, i, 1)
	g := b.groupOf[i]
	for li, l := range b.ledgers {
		if c := g.cats[li]; c >= 0 {
			l.had[c] += l.step
			l.total += l.step
			l.refresh()
		}
	}
}
