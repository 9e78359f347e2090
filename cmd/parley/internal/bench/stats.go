package bench

import (
	"cmp"
	"maps"
	"slices"
)

// Latency summarises a set of durations. Every sample is kept (5,000
// clients × 20 events is 100,000 of them, 800 KB), so the percentiles are
// exact, not a histogram's approximation.
type Latency struct {
	Count  int     `json:"count"`
	P50Ms  float64 `json:"p50_ms"`
	P95Ms  float64 `json:"p95_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p99_9_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// summarize sorts ns in place and returns its percentiles.
func summarize(ns []int64) Latency {
	if len(ns) == 0 {
		return Latency{}
	}
	slices.Sort(ns)
	return Latency{
		Count:  len(ns),
		P50Ms:  nsToMs(percentile(ns, 50)),
		P95Ms:  nsToMs(percentile(ns, 95)),
		P99Ms:  nsToMs(percentile(ns, 99)),
		P999Ms: nsToMs(percentile(ns, 99.9)),
		MaxMs:  nsToMs(ns[len(ns)-1]),
	}
}

// percentile is the nearest-rank percentile of sorted: the smallest sample
// that at least p percent of the samples do not exceed.
func percentile(sorted []int64, p float64) int64 {
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func nsToMs(ns int64) float64 { return float64(ns) / 1e6 }

// CountedMessage is an error message and how many clients saw it.
type CountedMessage struct {
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// topMessages keeps the n most frequent messages: 5,000 clients failing
// the same way should read as one line, not 5,000.
func topMessages(counts map[string]int, n int) []CountedMessage {
	out := make([]CountedMessage, 0, len(counts))
	for _, msg := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, CountedMessage{Message: msg, Count: counts[msg]})
	}
	slices.SortStableFunc(out, func(a, b CountedMessage) int { return cmp.Compare(b.Count, a.Count) })
	return out[:min(n, len(out))]
}
