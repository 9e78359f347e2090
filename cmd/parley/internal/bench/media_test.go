package bench

import (
	"encoding/binary"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/parley-hub/parley/server/media/bareloop"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// startBareLoop serves the baseline in the test's process on 127.0.0.1.
func startBareLoop(t *testing.T) *url.URL {
	t.Helper()
	b, err := bareloop.New(bareloop.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(b.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestMediaCountsEveryPacket runs the media kind small against a real
// server and a bare loop in one run: every packet of the window reaches
// every subscriber once, in order, and the counts agree with each other.
func TestMediaCountsEveryPacket(t *testing.T) {
	cfg := Config{
		Kind: KindMedia, BaseURL: startServerWith(t, true), Secret: []byte(testSecret), Room: "bench",
		Clients: 5, ConnectRate: 50, Packets: 100,
		Timeout: 2 * time.Minute, Settle: 0, Drain: 30 * time.Second, DialTimeout: 20 * time.Second,
		// The test's process is both servers: the figures exercise /proc
		// reading, not either server's cost.
		ServerPID: os.Getpid(), BaselineURL: startBareLoop(t), BaselinePID: os.Getpid(),
	}
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Fatalf("run failed: %v", rep.Problems)
	}
	if rep.Media == nil || len(rep.Media.Targets) != 2 {
		t.Fatalf("want the server and the bare loop in the report, got %+v", rep.Media)
	}
	for _, tg := range rep.Media.Targets {
		want := int64(cfg.Clients * cfg.Packets)
		switch {
		case tg.Joined != cfg.Clients || tg.Failed != 0 || tg.Join.Count != cfg.Clients:
			t.Errorf("%s: joined %d, failed %d, join samples %d; want %d, 0, %d", tg.Name, tg.Joined, tg.Failed, tg.Join.Count, cfg.Clients, cfg.Clients)
		case tg.Sent != cfg.Packets:
			t.Errorf("%s: sent %d packets in the window, want %d", tg.Name, tg.Sent, cfg.Packets)
		case tg.Expected != want || tg.Delivered != want || tg.Lost != 0:
			t.Errorf("%s: expected %d, delivered %d, lost %d; want %d, %d, 0", tg.Name, tg.Expected, tg.Delivered, tg.Lost, want, want)
		case tg.Latency.Count != int(want):
			t.Errorf("%s: %d latency samples, want one per packet delivered (%d)", tg.Name, tg.Latency.Count, want)
		case tg.Duplicates != 0 || tg.OutOfOrder != 0 || tg.Foreign != 0 || tg.DroppedEarly != 0:
			t.Errorf("%s: %d duplicates, %d out of order, %d foreign, %d dropped; want none", tg.Name, tg.Duplicates, tg.OutOfOrder, tg.Foreign, tg.DroppedEarly)
		case tg.Received < want:
			t.Errorf("%s: %d packets received while counting, fewer than the %d delivered", tg.Name, tg.Received, want)
		case tg.ServerCPUMs < 0 || tg.ToolCPUMs < 0:
			t.Errorf("%s: negative CPU: server %v ms, tool %v ms", tg.Name, tg.ServerCPUMs, tg.ToolCPUMs)
		}
	}
}

// TestMediaSubCounts feeds one subscriber's counter packets by hand: what
// comes before the window only marks the join, and within it each packet
// counts once, late ones as out of order, others as foreign.
func TestMediaSubCounts(t *testing.T) {
	f := newFeed(nil)
	s := newMediaSub(f, 5)
	s.postAt = time.Now()
	pkt := func(c uint64) mediaclient.Packet {
		p := make([]byte, payloadSize)
		binary.BigEndian.PutUint64(p, c)
		return mediaclient.Packet{Payload: p}
	}
	s.onPacket(pkt(3)) // before the window
	if !isClosed(s.ready) || s.delivered.Load() != 0 {
		t.Fatalf("a packet before the window: ready %v, delivered %d; want ready, 0", isClosed(s.ready), s.delivered.Load())
	}
	f.from.Store(10)
	for _, c := range []uint64{10, 12, 11, 12, 14, 15, 9} {
		s.onPacket(pkt(c))
	}
	s.onPacket(mediaclient.Packet{Payload: []byte{1}})
	// 10, 12, 11 (late), 12 (again), 14 count; 9, before the window, does
	// not; 15, past it, and the short one are foreign.
	if got := s.delivered.Load(); got != 4 {
		t.Errorf("delivered %d, want 4 (10, 11, 12, 14)", got)
	}
	if s.dups != 1 || s.outOfOrder != 1 || s.foreign != 2 {
		t.Errorf("duplicates %d, out of order %d, foreign %d; want 1, 1, 2", s.dups, s.outOfOrder, s.foreign)
	}
}
