package bench

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/media"
)

const testSecret = "bench-test-secret-long-enough-for-hs256"

// startServer runs a real server, as `parley serve` builds it, on
// 127.0.0.1 over an embedded store in a temporary directory.
func startServer(t *testing.T) *url.URL {
	t.Helper()
	return startServerWith(t, false)
}

// startServerWith is startServer, with a media plane on loopback if
// media is set.
func startServerWith(t *testing.T, withMedia bool) *url.URL {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier([]byte(testSecret), nil)
	if err != nil {
		t.Fatal(err)
	}
	// As cmd/parley/wire.go joins them.
	svc := rooms.NewService(store, log, nil)
	transcripts := rooms.NewTranscripts(svc, log)
	hub := live.New(live.Config{Rooms: svc, Transcripts: transcripts, Log: log, Describe: server.ProtocolError})
	hub.Start()
	parts := server.Parts{Rooms: svc, Transcripts: transcripts, Verifier: verifier, Live: hub, Log: log}
	var plane *media.Plane
	if withMedia {
		if plane, err = media.New(media.Config{Rooms: svc, Log: log, Loopback: true}); err != nil {
			t.Fatal(err)
		}
		plane.Start()
		parts.Media = plane
	}
	srv := httptest.NewServer(server.New(parts))
	// Cleanups run last-in first-out: connections, then listener, then store.
	t.Cleanup(func() { store.Close() })
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hub.Close(ctx)
		if plane != nil {
			if err := plane.Close(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func smallConfig(u *url.URL) Config {
	return Config{
		Kind: KindWS, BaseURL: u, Secret: []byte(testSecret), Room: "bench",
		Clients: 50, ConnectRate: 500, Rate: 20, Events: 10, Driver: DriverAgenda,
		Timeout: 2 * time.Minute, Drain: 30 * time.Second, DialTimeout: 10 * time.Second,
		// The test's process is the server: its figures exercise /proc
		// reading, not the server's cost.
		ServerPID: os.Getpid(),
	}
}

// checkDelivered asserts the report's counts agree with each other and
// with the configuration. No assertion is about wall-clock time: a shared
// machine makes those flaky, and the bench reports them, not tests them.
func checkDelivered(t *testing.T, cfg Config, rep Report) {
	t.Helper()
	d := rep.Delivery
	if !rep.Passed || len(rep.Problems) > 0 {
		t.Fatalf("run failed: %v", rep.Problems)
	}
	if rep.Connected != cfg.Clients || rep.Failed != 0 || rep.DroppedEarly != 0 {
		t.Errorf("connected %d, failed %d, dropped %d; want %d, 0, 0", rep.Connected, rep.Failed, rep.DroppedEarly, cfg.Clients)
	}
	if rep.Join.Count != cfg.Clients {
		t.Errorf("join samples = %d, want %d", rep.Join.Count, cfg.Clients)
	}
	if rep.CommandsSent != cfg.Events || rep.CommandErrors != 0 || d.EventsSent != cfg.Events {
		t.Errorf("commands sent %d, failed %d, events %d; want %d, 0, %d", rep.CommandsSent, rep.CommandErrors, d.EventsSent, cfg.Events, cfg.Events)
	}
	want := cfg.Clients * cfg.Events
	if d.Expected != want || d.Delivered != want || d.Missing != 0 || d.DuplicateOrOutOfOrder != 0 || d.Resnapshots != 0 || d.Foreign != 0 {
		t.Errorf("delivery = %+v, want %d delivered of %d and nothing else", d, want, want)
	}
	if rep.Latency.Count != want || rep.LatencyFromSchedule.Count != want {
		t.Errorf("latency samples = %d and %d, want %d", rep.Latency.Count, rep.LatencyFromSchedule.Count, want)
	}
	if !(rep.Latency.P50Ms <= rep.Latency.P99Ms && rep.Latency.P99Ms <= rep.Latency.P999Ms && rep.Latency.P999Ms <= rep.Latency.MaxMs) {
		t.Errorf("latency percentiles out of order: %+v", rep.Latency)
	}
	if rep.Memory.Connected == nil || rep.Memory.Connected.RSSKiB <= 0 {
		t.Errorf("server memory not read: %+v", rep.Memory)
	}
}

func TestBenchDeliversEveryEventToEveryClient(t *testing.T) {
	u := startServer(t)
	cfg := smallConfig(u)
	var progress bytes.Buffer
	cfg.Progress = &progress
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	checkDelivered(t, cfg, rep)
	if !rep.RoomCreated {
		t.Error("the room should have been created by the first run")
	}

	// A second run in the same room keeps it and starts from where the
	// first left off: its events are the only ones its clients expect.
	cfg.Driver = DriverHand
	cfg.Clients = 20
	cfg.Progress = &progress
	rep, err = Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	checkDelivered(t, cfg, rep)
	if rep.RoomCreated {
		t.Error("the second run should have kept the room")
	}
}

func TestBenchIdleHoldsAndReleasesConnections(t *testing.T) {
	u := startServer(t)
	cfg := smallConfig(u)
	cfg.Idle, cfg.Events, cfg.Rate = true, 0, 0
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Connected != cfg.Clients || rep.Mode != "idle" || rep.CommandsSent != 0 {
		t.Fatalf("idle run: passed %v, connected %d, mode %s, commands %d, problems %v", rep.Passed, rep.Connected, rep.Mode, rep.CommandsSent, rep.Problems)
	}
	if rep.Memory.Connected == nil || rep.Memory.AfterDisconnect == nil {
		t.Errorf("idle run should read the server's memory connected and after: %+v", rep.Memory)
	}
}

func TestBenchFailsWhenTheDriveFails(t *testing.T) {
	u := startServer(t)
	cfg := smallConfig(u)
	cfg.Clients, cfg.Events = 5, 3
	// A closed room still takes connections but refuses every command.
	tokens, err := mintTokens(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hc := newHTTPClient()
	if _, err := ensureRoom(t.Context(), hc, cfg, tokens.admin); err != nil {
		t.Fatal(err)
	}
	status, body, err := apiCall(t.Context(), hc, cfg.apiURL("/rooms/bench/commands"), tokens.driver, `{"type":"close_room"}`)
	if err != nil || status != 200 {
		t.Fatalf("close room: %d %s %v", status, body, err)
	}

	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed || rep.CommandErrors != cfg.Events || rep.Delivery.EventsSent != 0 || len(rep.CommandFailures) == 0 {
		t.Errorf("passed %v, command errors %d, events %d, failures %v; want a failed run with %d command errors",
			rep.Passed, rep.CommandErrors, rep.Delivery.EventsSent, rep.CommandFailures, cfg.Events)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "FAIL") {
		t.Errorf("text report does not say FAIL:\n%s", text.String())
	}
}
