package server_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/ratelimit"
)

// BenchmarkCommandRoundTrip posts commands over HTTP from 16 concurrent
// participants to one room: the worst case, since a room has one writer.
// Each participant raises a hand and withdraws it, over and over.
func BenchmarkCommandRoundTrip(b *testing.B) {
	stores := map[string]func(b *testing.B) rooms.Store{
		"embedded": func(b *testing.B) rooms.Store {
			s, err := filestore.OpenWithOptions(b.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
		"redis": func(b *testing.B) rooms.Store {
			c, prefix := redistest.Client(b)
			return redisstore.New(c, prefix)
		},
		"redis-cluster": func(b *testing.B) rooms.Store {
			c, prefix := redistest.NewCluster(b).Client(b)
			return redisstore.New(c, prefix)
		},
	}
	for _, name := range []string{"embedded", "redis", "redis-cluster"} {
		b.Run(name+"/concurrency=16", func(b *testing.B) {
			// Each participant sends as fast as the room answers: far
			// above any person's rate, which is not what this measures.
			a := serveWithin(b, stores[name](b), server.DefaultHTTPLimits, slog.New(slog.DiscardHandler), nil, forPeople(ratelimit.Limits{Rate: 1e9}))
			chair := a.token(b, "plenary", rooms.RoleChair, "chair", nil)
			a.createRoom(b, chair, `{"id":"plenary"}`)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
			var next atomic.Int64
			var mu sync.Mutex
			var latencies []time.Duration
			b.SetParallelism(8) // 8 × GOMAXPROCS (2 here) = 16 clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				tok := a.token(b, "plenary", rooms.RoleParticipant, fmt.Sprint("p", next.Add(1)), nil)
				var mine []time.Duration
				for i := 0; pb.Next(); i++ {
					body := []string{`{"type":"raise_hand"}`, `{"type":"withdraw"}`}[i%2]
					req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/rooms/plenary/commands", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok)
					start := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					mine = append(mine, time.Since(start))
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(latencies)
			if n := len(latencies); n > 0 {
				b.ReportMetric(float64(latencies[n/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(latencies[n*99/100].Microseconds()), "p99-µs")
			}
		})
	}
}
