package queue_test

import (
	"math/rand/v2"
	"testing"

	"github.com/parley-hub/parley/queue"
)

// BenchmarkOrder1000 orders 1,000 pending requests, spread over every default
// category, against a record of a day's meeting.
func BenchmarkOrder1000(b *testing.B) {
	for _, tc := range []struct {
		name   string
		policy queue.Policy
	}{
		{"fifo", queue.Policy{Kind: queue.PolicyFIFO}},
		{"rotate", queue.Policy{Kind: queue.PolicyRotate}},
		{"balanced-time", queue.Policy{Kind: queue.PolicyBalanced}},
		{"balanced-turns", queue.Policy{Kind: queue.PolicyBalanced, Measure: queue.MeasureTurns}},
		{"balanced-max-wait", queue.Policy{Kind: queue.PolicyBalanced, MaxWaitS: 6300}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := randomInput(rand.New(rand.NewPCG(1, 1000)), 1000, tc.policy)
			b.ReportAllocs()
			for b.Loop() {
				if len(queue.Order(in)) != 1000 {
					b.Fatal("lost requests")
				}
			}
		})
	}
}
