package queue

// gone marks a request that has left the simulated queue: far below any
// pass count, with room left for the adds that follow.
const gone = -(1 << 62)

// passTree keeps, for each waiting request in arrival order, how many times
// it has been passed, and finds the earliest one that has reached the bound.
// Calling request j passes every waiting request before it; a max segment
// tree with lazy range adds makes that and the search O(log n) per call, so
// ordering 1,000 requests is not a million updates.
type passTree struct {
	size int   // leaves, a power of two
	max  []int // largest count in the node's range, counting adds at the node but not above it
	add  []int // added to the node's whole range
}

func newPassTree(counts []int) *passTree {
	size := 1
	for size < len(counts) {
		size *= 2
	}
	t := &passTree{size: size, max: make([]int, 2*size), add: make([]int, 2*size)}
	for i := range size {
		t.max[size+i] = gone
		if i < len(counts) {
			t.max[size+i] = counts[i]
		}
	}
	for n := size - 1; n >= 1; n-- {
		t.max[n] = max(t.max[2*n], t.max[2*n+1])
	}
	return t
}

// addRange adds v to the counts of requests lo..hi-1.
func (t *passTree) addRange(lo, hi, v int) {
	t.addNode(1, 0, t.size, lo, hi, v)
}

func (t *passTree) addNode(n, nlo, nhi, lo, hi, v int) {
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

// get returns request i's count.
func (t *passTree) get(i int) int {
	n := t.size + i
	v := t.max[n]
	for n /= 2; n >= 1; n /= 2 {
		v += t.add[n]
	}
	return v
}

// firstAtLeast returns the earliest request whose count is at least bound,
// or -1.
func (t *passTree) firstAtLeast(bound int) int {
	if t.max[1] < bound {
		return -1
	}
	n, above := 1, 0
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

// remove takes request i out of the search.
func (t *passTree) remove(i int) {
	t.addRange(i, i+1, gone)
}
