package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/media/bareloop"
	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/media/relaymedia"
	"github.com/parley-hub/parley/server/relay"
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

// relaySecret signs the in-process relay's local tokens.
var relaySecret = []byte("bench-relay-secret-long-enough-hs256")

// startRelay serves a relay with media in front of upstream, in the test's
// process on 127.0.0.1, as `parley relay` builds it.
func startRelay(t *testing.T, upstream *url.URL) *url.URL {
	t.Helper()
	hub := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "hub"}, Name: "Test hub", Room: "bench", Role: rooms.RoleHub, Hub: "hub"}
	token, err := auth.Issue([]byte(testSecret), hub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	local, err := auth.NewVerifier(relaySecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := relaymedia.New(relaymedia.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(relay.Config{Upstream: upstream.String(), Token: token, Local: local, Log: slog.New(slog.DiscardHandler), MaxBackoff: 500 * time.Millisecond,
		Media: &relay.Media{Client: client, Feed: feed}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		r.Run(ctx)
	}()
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(func() {
		cancel()
		<-ran
		srv.Close()
		feed.Close()
	})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestMediaCountsEveryPacket runs the media kind small against a real
// server, through a real relay in front of it and against a bare loop in
// one run: every packet of the window reaches every subscriber once, in
// order, each with its mouth-to-ear time, and the counts agree with each
// other.
func TestMediaCountsEveryPacket(t *testing.T) {
	main := startServerWith(t, true)
	cfg := Config{
		Kind: KindMedia, BaseURL: main, Secret: []byte(testSecret), Room: "bench",
		Clients: 5, ConnectRate: 50, Packets: 100,
		Timeout: 3 * time.Minute, Settle: 0, Drain: 30 * time.Second, DialTimeout: 20 * time.Second,
		// The test's process is every server: the figures exercise /proc
		// reading, not any server's cost.
		ServerPID: os.Getpid(), BaselineURL: startBareLoop(t), BaselinePID: os.Getpid(),
		RelayURL: startRelay(t, main), RelaySecret: relaySecret, RelayPID: os.Getpid(),
	}
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Fatalf("run failed: %v", rep.Problems)
	}
	if rep.Media == nil || len(rep.Media.Targets) != 3 {
		t.Fatalf("want the server, the relay and the bare loop in the report, got %+v", rep.Media)
	}
	if via := rep.Media.Targets[1]; via.URL != cfg.RelayURL.String() || via.Upstream != main.String() {
		t.Errorf("the relay path: subscribers at %s in front of %s; want %s in front of %s", via.URL, via.Upstream, cfg.RelayURL, main)
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
		case tg.Latency.Count != int(want) || tg.MouthToEar.Count != int(want):
			t.Errorf("%s: %d latency and %d mouth-to-ear samples, want one per packet delivered (%d)", tg.Name, tg.Latency.Count, tg.MouthToEar.Count, want)
		case tg.MouthToEar.P50Ms <= 0 || tg.MouthToEar.P50Ms > tg.MouthToEar.P95Ms || tg.MouthToEar.P95Ms > tg.MouthToEar.P99Ms || tg.MouthToEar.P99Ms > tg.MouthToEar.MaxMs:
			t.Errorf("%s: mouth to ear %+v: want positive and in order", tg.Name, tg.MouthToEar)
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
// counts once, late ones as out of order, others as foreign, and each
// counted one gives a transit time from its stamp.
func TestMediaSubCounts(t *testing.T) {
	f := newFeed(nil)
	s := newMediaSub(f, 5)
	s.postAt = time.Now()
	pkt := func(c uint64) mediaclient.Packet {
		p := make([]byte, payloadSize)
		binary.BigEndian.PutUint64(p, c)
		putStamp(p, time.Now().Add(-time.Hour))
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
	if len(s.transit) != 4 {
		t.Fatalf("%d transit samples, want one per packet counted (4)", len(s.transit))
	}
	for _, ns := range s.transit {
		if d := time.Duration(ns); d < time.Hour || d > time.Hour+time.Minute {
			t.Errorf("transit %s of a packet stamped an hour ago", d)
		}
	}
}

// TestStampRoundTrips: the transit read on arrival is the arrival minus
// the stamp written, on either side of the counter, whatever the payload
// holds after them.
func TestStampRoundTrips(t *testing.T) {
	sent := time.Date(2026, 12, 1, 20, 0, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		size int
		wait time.Duration
	}{
		{"an Opus-sized payload", payloadSize, 3 * time.Millisecond},
		{"the shortest that carries a stamp", stampEnd, 250 * time.Microsecond},
		{"no time at all", payloadSize, 0},
	} {
		p := bytes.Repeat([]byte{0xff}, tc.size)
		binary.BigEndian.PutUint64(p, 42)
		putStamp(p, sent)
		if got := transit(p, sent.Add(tc.wait)); got != int64(tc.wait) {
			t.Errorf("%s: transit %d ns, want %d", tc.name, got, tc.wait)
		}
		if c := binary.BigEndian.Uint64(p); c != 42 {
			t.Errorf("%s: the stamp overwrote the counter: %d", tc.name, c)
		}
	}
}

// TestChildAnnouncements reads the ready lines of the servers the media
// kind starts: the bare loop's on its standard output, the relay's in its
// log.
func TestChildAnnouncements(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
		read             announcement
	}{
		{"bare loop", BaselineReady + "http://127.0.0.1:4242", "http://127.0.0.1:4242", baselineAnnounce},
		{"bare loop, another line", "listening soon", "", baselineAnnounce},
		{"relay", `time=2026-12-01T20:43:56.417Z level=INFO msg="parley relay listening" addr=127.0.0.1:36409 room=bench upstream=http://127.0.0.1:18471`, "http://127.0.0.1:36409", relayAnnounce},
		{"relay, quoted address", `level=INFO msg="parley relay listening" addr="127.0.0.1:80"`, "http://127.0.0.1:80", relayAnnounce},
		{"relay, its warning", `level=WARN msg="relay: upstream link down" err=EOF`, "", relayAnnounce},
		{"the main server's line", `level=INFO msg="parley listening" addr=127.0.0.1:8080`, "", relayAnnounce},
	} {
		got, ok := tc.read(tc.line)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

// TestMediaReportNamesEachPath: the text report says where each path's
// subscribers were, whose CPU it counted and its mouth-to-ear figures,
// and a path that never got the feed gives no figures.
func TestMediaReportNamesEachPath(t *testing.T) {
	lat := Latency{Count: 10, P50Ms: 1.5, P95Ms: 2.5, P99Ms: 3.5, P999Ms: 4.5, MaxMs: 5.5}
	for _, tc := range []struct {
		name      string
		target    MediaTarget
		want, not []string
	}{
		{"direct", MediaTarget{Name: "parley", URL: "http://127.0.0.1:1", Joined: 2, Subscribers: 2, MouthToEar: lat},
			[]string{"parley at http://127.0.0.1:1\n", "mouth to ear from the publisher's send to the subscriber's read p50 1.5 ms, p95 2.5 ms, p99 3.5 ms, p99.9 4.5 ms, max 5.5 ms (n=10)", "CPU         server "},
			[]string{"in front of", "CPU         relay", "not measured"}},
		{"through a relay", MediaTarget{Name: "parley via relay", URL: "http://127.0.0.1:2", Upstream: "http://127.0.0.1:1", Joined: 2, Subscribers: 2, MouthToEar: lat},
			[]string{"parley via relay at http://127.0.0.1:2, in front of http://127.0.0.1:1\n", "p95 2.5 ms", "CPU         relay "},
			[]string{"CPU         server", "not measured"}},
		{"a relay that never served", MediaTarget{Name: "parley via relay", Upstream: "http://127.0.0.1:1", Subscribers: 2, Problems: []string{"did not reach the server"}},
			[]string{"not measured: no subscriber got the feed"},
			[]string{"mouth to ear", "CPU"}},
	} {
		var b strings.Builder
		(&MediaReport{Packets: 10, RatePerSecond: 50, Targets: []MediaTarget{tc.target}}).writeText(&b)
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: report lacks %q:\n%s", tc.name, w, b.String())
			}
		}
		for _, n := range tc.not {
			if strings.Contains(b.String(), n) {
				t.Errorf("%s: report has %q:\n%s", tc.name, n, b.String())
			}
		}
	}
}

// TestMediaTallySummarizesMouthToEar: the target's figures are every
// joined subscriber's transit samples, and a subscriber that never joined
// adds none.
func TestMediaTallySummarizesMouthToEar(t *testing.T) {
	joined := func(transit ...int64) *mediaSub {
		s := newMediaSub(newFeed(nil), 1)
		close(s.dialed)
		close(s.ready)
		s.transit = transit
		return s
	}
	never := newMediaSub(newFeed(nil), 1)
	never.err = errors.New("refused")
	close(never.dialed)
	never.transit = []int64{1e9}
	var tg MediaTarget
	tg.tally([]*mediaSub{joined(1e6, 2e6), joined(3e6, 4e6), never}, 1)
	if m := tg.MouthToEar; m.Count != 4 || m.P50Ms != 2 || m.P95Ms != 4 || m.MaxMs != 4 {
		t.Errorf("mouth to ear %+v, want 4 samples, p50 2 ms, p95 and max 4 ms", m)
	}
}

// TestMediaRelayConfig: a relay already serving needs its local secret
// and, like every target, the loopback.
func TestMediaRelayConfig(t *testing.T) {
	main, _ := url.Parse("http://127.0.0.1:1")
	near, _ := url.Parse("http://127.0.0.1:2")
	far, _ := url.Parse("http://10.1.2.3:2")
	for _, tc := range []struct {
		name   string
		relay  *url.URL
		secret []byte
		ok     bool
	}{
		{"none", nil, nil, true},
		{"on the loopback with its secret", near, relaySecret, true},
		{"without its secret", near, nil, false},
		{"off the loopback", far, relaySecret, false},
	} {
		cfg := Config{Kind: KindMedia, BaseURL: main, Secret: []byte(testSecret), Room: "bench", Clients: 1, ConnectRate: 1, Packets: 1,
			Timeout: time.Minute, DialTimeout: time.Second, RelayURL: tc.relay, RelaySecret: tc.secret}
		if err := cfg.Validate(t.Context()); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
		if cfg.relay() != (tc.relay != nil) {
			t.Errorf("%s: relay() = %v", tc.name, cfg.relay())
		}
	}
}
