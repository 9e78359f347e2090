package queue

import (
	"math/rand/v2"
	"testing"
)

// TestRangeTree checks the segment tree against a plain slice under random
// calls, the way the balanced policy drives it: each call takes a request out
// and changes the figures of those before it (passes) or after it (latest
// starts).
func TestRangeTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 200 {
		n := 1 + rng.IntN(70)
		bound := float64(1 + rng.IntN(8))
		figures := make([]float64, n)
		for i := range figures {
			figures[i] = float64(rng.IntN(int(bound) + 1))
		}
		tree := newRangeTree(figures)
		waiting := make([]bool, n)
		for i := range waiting {
			waiting[i] = true
		}
		for left := n; left > 0; left-- {
			want := -1
			for i := range n {
				if waiting[i] && figures[i] >= bound {
					want = i
					break
				}
			}
			if got := tree.firstAtLeast(bound); got != want {
				t.Fatalf("firstAtLeast(%v) = %d, want %d (figures %v)", bound, got, want, figures)
			}
			largest := gone
			for i := range n {
				if waiting[i] && tree.get(i) != figures[i] {
					t.Fatalf("get(%d) = %v, want %v", i, tree.get(i), figures[i])
				}
				if at := rng.IntN(n + 1); i == 0 {
					for j := range at {
						if waiting[j] {
							largest = max(largest, figures[j])
						}
					}
					if got := tree.maxBefore(at); got != largest {
						t.Fatalf("maxBefore(%d) = %v, want %v (figures %v)", at, got, largest, figures)
					}
				}
			}
			call := want
			for call < 0 || !waiting[call] {
				call = rng.IntN(n)
			}
			waiting[call] = false
			tree.remove(call)
			lo, hi, v := 0, call, 1.0
			if rng.IntN(2) == 0 {
				lo, hi, v = call+1, n, -float64(rng.IntN(5))
			}
			tree.addRange(lo, hi, v)
			for i := lo; i < hi; i++ {
				figures[i] += v
			}
		}
	}
}
