package queue

// Undisclosed is the category of someone who did not declare theirs in a
// dimension (gender, above all). It is counted, so a dimension's shares add
// up to 100%, but never balanced: its target is the share it has had, so a
// request from it is neither helped nor held back there.
const Undisclosed = "undisclosed"

// TargetShares returns, for every dimension named in p.Targets, rec or the
// pending requests' categories, each category's target share of p's
// measure. Targets are shares among those who declared the dimension: p's
// given ones, and what they leave split equally among the other categories
// present (seen in rec or in pending); Undisclosed takes the share it has
// had, and the others are scaled to what it leaves. It is what the balanced
// policy scores against, for reports to show the same figures.
func TargetShares(p Policy, rec Record, pending []Request) map[string]map[string]float64 {
	dims := map[string]bool{}
	for d := range p.Targets {
		dims[d] = true
	}
	for d := range rec {
		dims[d] = true
	}
	for _, r := range pending {
		for d, c := range r.Categories {
			if c != "" {
				dims[d] = true
			}
		}
	}
	out := make(map[string]map[string]float64, len(dims))
	for d := range dims {
		present := presentCategories(d, rec, pending)
		shares := sharesOf(rec[d], present, p.Measure)
		targets := make(map[string]float64, len(present))
		for i, t := range targetsFor(p.Targets[d], present, shares) {
			targets[present[i]] = t
		}
		declared := 1 - undisclosedShare(present, shares)
		for c, t := range p.Targets[d] {
			if c != Undisclosed {
				targets[c] = t * declared
			}
		}
		out[d] = targets
	}
	return out
}

// presentCategories lists, sorted, the categories of dimension d that the
// record or a pending request names.
func presentCategories(d string, rec Record, pending []Request) []string {
	seen := map[string]bool{}
	for c := range rec[d] {
		if c != "" {
			seen[c] = true
		}
	}
	for _, r := range pending {
		if c := r.Categories[d]; c != "" {
			seen[c] = true
		}
	}
	return sortedKeys(seen)
}

// sharesOf gives each category in present (sorted) its share of the
// measure in one dimension's tallies, in the same order; all 0 before
// anything is counted.
func sharesOf(tallies map[string]Tally, present []string, measure string) []float64 {
	out := make([]float64, len(present))
	total := 0.0
	for i, c := range present {
		out[i] = measureOf(tallies[c], measure)
		total += out[i]
	}
	for i := range out {
		if total > 0 {
			out[i] /= total
		} else {
			out[i] = 0
		}
	}
	return out
}

func undisclosedShare(present []string, shares []float64) float64 {
	for i, c := range present {
		if c == Undisclosed {
			return shares[i]
		}
	}
	return 0
}

// targetsFor gives the target of each category in present (sorted), in the
// same order, given each one's share so far.
func targetsFor(given map[string]float64, present []string, shares []float64) []float64 {
	rest, others := 1.0, 0
	for _, c := range sortedKeys(given) {
		if c != Undisclosed {
			rest -= given[c]
		}
	}
	for _, c := range present {
		if _, ok := given[c]; !ok && c != Undisclosed {
			others++
		}
	}
	share := 0.0
	if others > 0 && rest > 0 {
		share = rest / float64(others)
	}
	declared := 1 - undisclosedShare(present, shares)
	out := make([]float64, len(present))
	for i, c := range present {
		t, ok := given[c]
		switch {
		case c == Undisclosed:
			out[i] = shares[i]
			continue
		case !ok:
			t = share
		}
		out[i] = t * declared
	}
	return out
}
