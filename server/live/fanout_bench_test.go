package live_test

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkFanout delivers one room event to 1,000 live clients over
// loopback sockets, each reading it in a goroutine of its own, as the
// room's participants would: an op is the chair's command, its append and
// every client's receipt. The clients' reads share the process, so the
// figure is the whole delivery's CPU, the server's writes and the
// readers' alike; parley bench ws measures the server alone.
func BenchmarkFanout(b *testing.B) {
	const clients = 1000
	h := newHarness(b)
	h.plenary(b)
	var got atomic.Int64
	arrived := make(chan struct{}, 1)
	var readers, joined sync.WaitGroup
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		ws, _, err := h.tryDial("plenary", who("p"+strconv.Itoa(i), "participant"))
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = ws
		readers.Add(1)
		joined.Add(1)
		go func() {
			defer readers.Done()
			snapshot := false
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					if !snapshot {
						joined.Done()
					}
					return
				}
				if !snapshot && bytes.Contains(data, []byte(`"type":"snapshot"`)) {
					// The snapshot is queued as the client joins the room's
					// feed: from here on it is sent every event.
					snapshot = true
					joined.Done()
				}
				if bytes.Contains(data, []byte(`"agenda_item_set"`)) && got.Add(1)%clients == 0 {
					arrived <- struct{}{}
				}
			}
		}()
	}
	b.Cleanup(func() {
		for _, ws := range conns {
			ws.Close()
		}
		readers.Wait()
	})
	joined.Wait()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h.chair(b, `{"type":"set_agenda_item","title":"Item `+strconv.Itoa(i)+`"}`)
		select {
		case <-arrived:
		case <-time.After(time.Minute):
			b.Fatalf("event %d reached %d of %d clients", i, got.Load()%clients, clients)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients), "ns/delivery")
}
