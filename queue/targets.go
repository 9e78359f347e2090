package queue

// TargetShares returns, for every dimension named in p.Targets, rec or the
// pending requests' categories, each category's target share: p.Targets where
// given, and what the given targets leave of 1 split equally among the other
// categories present in the room (seen in rec or in pending). It is what the
// balanced policy scores against, for reports to show the same figures.
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
		targets := make(map[string]float64, len(present))
		for i, t := range targetsFor(p.Targets[d], present) {
			targets[present[i]] = t
		}
		for c, t := range p.Targets[d] {
			targets[c] = t
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

// targetsFor gives the target of each category in present (sorted), in the
// same order.
func targetsFor(given map[string]float64, present []string) []float64 {
	rest, others := 1.0, 0
	for _, c := range sortedKeys(given) {
		rest -= given[c]
	}
	for _, c := range present {
		if _, ok := given[c]; !ok {
			others++
		}
	}
	share := 0.0
	if others > 0 && rest > 0 {
		share = rest / float64(others)
	}
	out := make([]float64, len(present))
	for i, c := range present {
		if t, ok := given[c]; ok {
			out[i] = t
		} else {
			out[i] = share
		}
	}
	return out
}
