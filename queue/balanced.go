package queue

import (
	"math"
	"slices"
	"time"
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

// balancer orders requests by how far their categories stand below their
// target shares in the record as it is now, earliest first among equals,
// and bounds how long anyone waits. Scores come from the present record
// only, so every reason it gives is a fact about the room now.
type balancer struct {
	p       Policy
	speak   []Request
	ledgers []*ledger
	cats    [][]int   // by rank, per ledger: the category index, -1 where none
	score   []float64 // by rank
	byScore []int     // ranks, best first, the earliest among equals
	next    int       // into byScore
	picked  []bool    // by rank
	bound   bound
	waitS   int // the bound on waiting in seconds, 0 when passes are bounded
}

// appendBalanced places speak requests, already in arrival order, by the
// balanced policy. Targets come from TargetShares over the record and all of
// pending. Points of order and replies are not balanced: they are taken
// first whatever the balance, and the bound on waiting counts their time.
func appendBalanced(out []Entry, speak, pending []Request, rec Record, p Policy, now time.Time) []Entry {
	if len(speak) == 0 {
		return out
	}
	b := newBalancer(speak, pending, rec, p)
	b.bound = newBound(speak, out, rec, p, now)
	if _, ok := b.bound.(*waitBound); ok {
		b.waitS = p.MaxWaitS
	}
	order := make([]int, 0, len(speak))
	placed := map[int]Why{} // rank -> why, for those the bound placed
	for range speak {
		i, why, late := b.pick()
		if late {
			placed[i] = why
		}
		order = append(order, i)
		b.call(i)
	}
	for k, i := range order {
		why, late := placed[i]
		if !late {
			why = b.explain(order, placed, k)
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
	b.cats = make([][]int, len(speak))
	b.score = make([]float64, len(speak))
	b.byScore = make([]int, len(speak))
	for i, r := range speak {
		b.cats[i] = make([]int, len(b.ledgers))
		for li, l := range b.ledgers {
			b.cats[i][li] = -1
			if c, ok := l.index[r.Categories[l.dim]]; ok {
				b.cats[i][li] = c
			}
		}
		b.score[i] = b.scoreOf(i)
		b.byScore[i] = i
	}
	slices.SortStableFunc(b.byScore, func(i, j int) int {
		switch {
		case b.score[i] > b.score[j]+scoreEpsilon:
			return -1
		case b.score[j] > b.score[i]+scoreEpsilon:
			return 1
		}
		return 0
	})
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

// term is what request i's category in ledger li adds to its score.
func (b *balancer) term(i, li int) float64 {
	c := b.cats[i][li]
	if c < 0 {
		return 0
	}
	return b.ledgers[li].term[c]
}

func (b *balancer) scoreOf(i int) float64 {
	s := 0.0
	for li := range b.ledgers {
		s += b.term(i, li)
	}
	if math.IsNaN(s) {
		return math.Inf(-1)
	}
	return s
}

// pick chooses the next request: the best-scoring one left, unless the
// bound names another (late, with its reason).
func (b *balancer) pick() (i int, why Why, late bool) {
	for b.picked[b.byScore[b.next]] {
		b.next++
	}
	best := b.byScore[b.next]
	if i, why := b.bound.due(best); i >= 0 {
		return i, why, true
	}
	return best, Why{}, false
}

func (b *balancer) call(i int) {
	b.picked[i] = true
	b.bound.call(i)
}

// explain says why the request at position k of order (ranks) stands there,
// relative to those ahead of it: behind later requests that score higher,
// or behind earlier ones only; the first says why it goes before earlier
// requests.
func (b *balancer) explain(order []int, placed map[int]Why, k int) Why {
	i := order[k]
	first := -1 // the first request ahead of i, asked after it, not placed by the bound
	ahead := 0
	for _, j := range order[:k] {
		if j > i {
			ahead++
			if _, late := placed[j]; !late && first < 0 {
				first = j
			}
		}
	}
	switch {
	case ahead > 0:
		w := Why{Code: WhyAfter, Ahead: ahead}
		if first < 0 {
			w.MaxWaitS = b.waitS // all of them placed by the bound
			return w
		}
		w = b.figures(w, first, i)
		w.Code = WhyAfter
		return w
	case k == 0:
		// Ahead of every earlier request: name the closest of them.
		runner := -1
		for j := range i {
			if runner < 0 || b.score[j] > b.score[runner] {
				runner = j
			}
		}
		if runner < 0 {
			return Why{Code: WhyWaiting}
		}
		return b.figures(Why{Code: WhyShare}, i, runner)
	}
	return Why{Code: WhyWaiting, Ahead: k}
}

// figures names, by its present share and target, the dimension where
// request first gains most over second: first's category when it stands
// below its target (share), or else second's, which then stands above its
// own (before). Without one, w keeps its code and has no figures.
func (b *balancer) figures(w Why, first, second int) Why {
	dims := make([]int, len(b.ledgers))
	for li := range dims {
		dims[li] = li
	}
	gain := func(li int) float64 { return b.term(first, li) - b.term(second, li) }
	slices.SortStableFunc(dims, func(x, y int) int {
		switch gx, gy := gain(x), gain(y); {
		case gx > gy:
			return -1
		case gy > gx:
			return 1
		}
		return 0
	})
	for _, li := range dims {
		l := b.ledgers[li]
		if gain(li) <= 0 {
			break
		}
		c, code := b.cats[first][li], WhyShare
		if c < 0 || l.share[c] >= l.target[c] {
			c, code = b.cats[second][li], WhyBefore
			if c < 0 || l.share[c] <= l.target[c] {
				continue
			}
		}
		w.Code, w.Category, w.Dimension, w.Measure, w.Share, w.Target = code, l.cats[c], l.dim, b.p.Measure, l.share[c], l.target[c]
		return w
	}
	return w
}
