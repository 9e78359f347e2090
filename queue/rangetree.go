package queue

import "math"

// gone marks a request that has left the simulated queue: below any value,
// and it stays there whatever is added.
var gone = math.Inf(-1)

// rangeTree keeps one figure per waiting request in arrival order (how often
// it has been passed, or how far it stands from its latest start) and finds
// the earliest one at or above a bound, or the largest among those before a
// request. Calling a request changes the figures of a whole range of others;
// a max segment tree with lazy range adds makes that and each search
// O(log n) per call, so ordering 1,000 requests is not a million updates.
type rangeTree struct {
	size int       // leaves, a power of two
	max  []float64 // largest figure in the node's range, counting adds at the node but not above it
	add  []float64 // added to the node's whole range
}

func newRangeTree(figures []float64) *rangeTree {
	size := 1
	for size < len(figures) {
		size *= 2
	}
	t := &rangeTree{size: size, max: make([]float64, 2*size), add: make([]float64, 2*size)}
	for i := range size {
		t.max[size+i] = gone
		if i < len(figures) {
			t.max[size+i] = figures[i]
		}
	}
	for n := size - 1; n >= 1; n-- {
		t.max[n] = max(t.max[2*n], t.max[2*n+1])
	}
	return t
}

// addRange adds v to the figures of requests lo..hi-1.
func (t *rangeTree) addRange(lo, hi int, v float64) {
	t.addNode(1, 0, t.size, lo, hi, v)
}

func (t *rangeTree) addNode(n, nlo, nhi, lo, hi int, v float64) {
	if hi <= nlo || nhi <= lo {
		return
	}
	if lo <= nlo && nhi <= hi {
		t.max[n] += v
		t.add[n] += v
		return
	}
	mid := (nlo + nhi) / 2
	t.addNode(2*n, nlo, mid, lo, hi, v)
	t.addNode(2*n+1, mid, nhi, lo, hi, v)
	t.max[n] = max(t.max[2*n], t.max[2*n+1]) + t.add[n]
}

// get returns request i's figure.
func (t *rangeTree) get(i int) float64 {
	n := t.size + i
	v := t.max[n]
	for n /= 2; n >= 1; n /= 2 {
		v += t.add[n]
	}
	return v
}

// firstAtLeast returns the earliest request whose figure is at least bound,
// or -1.
func (t *rangeTree) firstAtLeast(bound float64) int {
	if t.max[1] < bound {
		return -1
	}
	n, above := 1, 0.0
	for n < t.size {
		above += t.add[n]
		if t.max[2*n]+above >= bound {
			n = 2 * n
		} else {
			n = 2*n + 1
		}
	}
	return n - t.size
}

// maxBefore returns the largest figure among requests 0..i-1 still in the
// tree, gone when there is none.
func (t *rangeTree) maxBefore(i int) float64 {
	return t.maxNode(1, 0, t.size, i)
}

func (t *rangeTree) maxNode(n, nlo, nhi, hi int) float64 {
	switch {
	case hi <= nlo:
		return gone
	case nhi <= hi:
		return t.max[n]
	}
	mid := (nlo + nhi) / 2
	return max(t.maxNode(2*n, nlo, mid, hi), t.maxNode(2*n+1, mid, nhi, hi)) + t.add[n]
}

// remove takes request i out of the search.
func (t *rangeTree) remove(i int) {
	t.addRange(i, i+1, gone)
}
