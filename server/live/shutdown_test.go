package live_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

// Shutting down says so to every live client, which can then reconnect
// elsewhere, and refuses new ones.
func TestShutdownClosesConnectionsWithGoingAway(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	amina := who("amina", rooms.RoleParticipant)
	clients := []*livetest.Conn{h.dial(t, "plenary", amina), h.dial(t, "plenary", amina)}
	for _, c := range clients {
		c.Welcome()
	}
	h.hub.Close(context.Background())
	for i, c := range clients {
		if code := c.CloseCode(); code != protocol.CloseGoingAway {
			t.Errorf("client %d: close code %d, want %d (going away)", i, code, protocol.CloseGoingAway)
		}
	}
	if _, resp, err := h.tryDial("plenary", amina); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after shutdown: %v", err)
	}
}

// Clients joining while the hub closes are kicked too, whichever side of
// the close they land on: each connection that was upgraded reads 1001,
// and Close returns because none is left behind.
func TestShutdownKicksClientsJoiningDuringIt(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	const joiners = 40
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	start := make(chan struct{})
	for i := range joiners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ws, resp, err := h.tryDial("plenary", who("p"+itoa(i), rooms.RoleParticipant))
			if err != nil {
				if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("dial: %v", err)
				}
				return
			}
			defer ws.Close()
			code := livetest.CloseCode(ws, 20*time.Second)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	close(start)
	// Close once some clients are in, while the others are still joining.
	waitFor(t, "a first client to join", func() bool { return h.hub.Clients() > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	h.hub.Close(ctx)
	wg.Wait()
	for code, n := range codes {
		if code != protocol.CloseGoingAway {
			t.Errorf("%d connections closed with %d, want every one with %d", n, code, protocol.CloseGoingAway)
		}
	}
	if h.hub.Clients() != 0 {
		t.Errorf("after Close the hub still tracks %d connections", h.hub.Clients())
	}
}

// A client that stops reading is dropped with 4008 once it falls too far
// behind, without holding up the room's other clients; when it reads again
// it learns why, however long the room took to get there.
func TestSlowClientIsDroppedWithoutSlowingOthers(t *testing.T) {
	// Its writes may wait as long as the test takes: on a busy machine
	// the room may take longer than the default wait to fill the slow
	// client's queue, and a write timing out drops it without its reason.
	h := newHarness(t, func(cfg *live.Config) { cfg.WriteWait = 5 * time.Minute })
	h.plenary(t)
	// Fill the queue so every event carries a large queue and the slow
	// client's socket buffers fill quickly.
	for i := range 60 {
		h.command(t, "p"+itoa(i), rooms.RoleParticipant, `{"type":"raise_hand","note":"`+strings.Repeat("n", 270)+`"}`)
	}
	slow := h.dial(t, "plenary", who("slow", rooms.RoleObserver))
	brisk := h.dial(t, "plenary", who("brisk", rooms.RoleObserver))
	brisk.Welcome()
	seq := brisk.NextOf(protocol.TypeSnapshot).Snapshot.Seq
	// The slow client reads nothing while the room moves on, as one on a
	// link that drops out would, until the brisk one is told that only one
	// client is left.
	const most = 5000
	for i := 0; ; i++ {
		if i == most {
			t.Fatalf("the slow client was not dropped after %d events", most)
		}
		// Moving the same request around changes the whole queue each time.
		h.chair(t, `{"type":"move","request":"r2","position":`+itoa(i%50+1)+`,"reason":"test"}`)
		seq++
		left := 0
		for {
			m := brisk.Read()
			if m.Type == protocol.TypePresence {
				left = presence(t, m).Total
				continue
			}
			if m.Type != protocol.TypeEvent || m.Seq != seq {
				t.Fatalf("brisk client: %s %d, want event %d", m.Type, m.Seq, seq)
			}
			break
		}
		if left == 1 {
			break
		}
	}
	if code := slow.CloseCode(); code != protocol.CloseTooSlow {
		t.Errorf("slow client: close code %d, want %d", code, protocol.CloseTooSlow)
	}
}

// After Close, none of the hub's goroutines is left: not its loop, its
// watchers, its drainers, nor any connection's reader, writer or timer.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		h := newHarness(t)
		h.plenary(t)
		var clients []*livetest.Conn
		for i := range 5 {
			c := h.dial(t, "plenary", who("p"+itoa(i), rooms.RoleParticipant))
			c.Welcome()
			c.NextOf(protocol.TypeSnapshot)
			clients = append(clients, c)
		}
		clients[0].Send(map[string]any{"type": "transcript", "id": "t", "langs": []string{rooms.FloorLanguage}})
		clients[0].NextOf(protocol.TypeAck)
		h.chair(t, `{"type":"set_agenda_item","title":"Item 1"}`)
		for _, c := range clients {
			c.NextOf(protocol.TypeEvent)
		}
		h.hub.Close(context.Background())
		for _, c := range clients {
			if code := c.CloseCode(); code != protocol.CloseGoingAway {
				t.Errorf("close code %d, want %d", code, protocol.CloseGoingAway)
			}
			c.WS.Close()
		}
	}()
	// The harness's server and store close in the test's cleanup; close
	// what this test opened itself and wait for the count to come back.
	waitFor(t, "the goroutines to end", func() bool {
		http.DefaultClient.CloseIdleConnections()
		return runtime.NumGoroutine() <= before+serverGoroutines
	})
}

// serverGoroutines is what the harness's httptest server keeps until the
// test's cleanup closes it: its accept loop.
const serverGoroutines = 1

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("waiting for %s: not done; goroutines:\n%s", what, buf[:runtime.Stack(buf, true)])
		}
		<-tick.C
	}
}

// An idle connection costs the server one goroutine, its reader: the
// writer ends once the queue is empty and pings come from a timer.
func TestIdleConnectionsCostOneGoroutineEach(t *testing.T) {
	h := newHarness(t)
	h.plenary(t)
	before := runtime.NumGoroutine()
	const idle = 20
	for i := range idle {
		c := h.dial(t, "plenary", who("p"+itoa(i), rooms.RoleParticipant))
		c.Welcome()
		c.NextOf(protocol.TypeSnapshot)
	}
	waitFor(t, "the writers to end", func() bool { return runtime.NumGoroutine() <= before+idle })
}
