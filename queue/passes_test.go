package queue

import (
	"math/rand/v2"
	"testing"
)

// TestPassTree checks the segment tree against a plain slice under random
// calls, the way the balanced policy drives it.
func TestPassTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 200 {
		n := 1 + rng.IntN(70)
		bound := 1 + rng.IntN(8)
		counts := make([]int, n)
		for i := range counts {
			counts[i] = rng.IntN(bound + 1)
		}
		tree := newPassTree(counts)
		waiting := make([]bool, n)
		for i := range waiting {
			waiting[i] = true
		}
		for left := n; left > 0; left-- {
			want := -1
			for i := range n {
				if waiting[i] && counts[i] >= bound {
					want = i
					break
				}
			}
			if got := tree.firstAtLeast(bound); got != want {
				t.Fatalf("firstAtLeast(%d) = %d, want %d (counts %v)", bound, got, want, counts)
			}
			call := want
			for call < 0 || !waiting[call] {
				call = rng.IntN(n)
			}
			for i := range n {
				if waiting[i] && tree.get(i) != counts[i] {
					t.Fatalf("get(%d) = %d, want %d", i, tree.get(i), counts[i])
				}
			}
			waiting[call] = false
			tree.remove(call)
			tree.addRange(0, call, 1)
			for i := range call {
				counts[i]++
			}
		}
	}
}
