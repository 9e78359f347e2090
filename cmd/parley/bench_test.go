package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/cmd/parley/internal/bench"
)

// The load itself is tested in package bench; these test the command
// line around it, against the real binary.

func TestBenchCommandPrintsJSONAndFailsOnAWrongSecret(t *testing.T) {
	srv := start(t, "--data", t.TempDir())
	args := []string{"bench", "ws", "--url", srv.url, "--clients", "5", "--events", "3", "--rate", "50", "--settle", "0", "--json"}
	rep := runBenchJSON(t, args)
	if !rep.Passed || rep.Delivery.Delivered != 15 {
		t.Errorf("JSON report: passed %v, delivered %d; want true, 15", rep.Passed, rep.Delivery.Delivered)
	}

	// With a secret the server does not know, the room cannot be opened:
	// the run cannot even start, and says why.
	bad := func(string) string { return "another-secret-long-enough-for-hs256" }
	err := run(t.Context(), args, bad, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("with a wrong secret: err = %v, want an HTTP 401", err)
	}
}

func TestBenchTranscriptCommandLine(t *testing.T) {
	srv := start(t, "--data", t.TempDir())
	args := []string{"bench", "transcript", "--url", srv.url, "--clients", "4", "--events", "3", "--rate", "20",
		"--prefill", "10", "--late", "1", "--late-backlog", "5", "--settle", "0", "--json"}
	rep := runBenchJSON(t, args)
	if !rep.Passed || rep.Delivery.Delivered != 12 || rep.Transcript == nil || rep.Transcript.Late == nil || rep.Transcript.Late.WS[0].Segments != 5 {
		t.Errorf("JSON report: passed %v, delivered %d, transcript %+v", rep.Passed, rep.Delivery.Delivered, rep.Transcript)
	}
}

// runBenchJSON runs the bench command line with the process tests' secret
// in the environment and decodes its JSON report.
func runBenchJSON(t *testing.T, args []string) bench.Report {
	t.Helper()
	var out, errs bytes.Buffer
	env := func(k string) string {
		if k == "PARLEY_JWT_SECRET" {
			return testSecret
		}
		return ""
	}
	if err := run(t.Context(), args, env, &out, &errs); err != nil {
		t.Fatalf("bench: %v\n%s", err, errs.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	return rep
}

func TestBenchFlagsRequireBoundsAndASecret(t *testing.T) {
	env := func(k string) string {
		if k == "PARLEY_JWT_SECRET" {
			return "s"
		}
		return ""
	}
	cfg, out, err := parseBenchFlags(t.Context(), bench.KindWS, []string{"--json"}, env, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Clients != 5000 || cfg.ConnectRate != 500 || cfg.Rate != 3.33 || cfg.Events != 20 || cfg.Room != "bench" || string(cfg.Secret) != "s" ||
		cfg.Driver != bench.DriverAgenda || cfg.BaseURL.String() != "http://127.0.0.1:8080" || !out.json {
		t.Errorf("defaults = %+v, %+v", cfg, out)
	}
	for _, args := range [][]string{
		{"--events", "0"},            // unbounded drive
		{"--timeout", "0"},           // unbounded run
		{"--clients", "0"},           // nothing to do
		{"--driver", "shout"},        // unknown driver
		{"--url", "http://10.1.2.3"}, // not the loopback
		{"--lang", "en"},             // the transcript kind's
	} {
		if _, _, err := parseBenchFlags(t.Context(), bench.KindWS, args, env, io.Discard); err == nil {
			t.Errorf("parseBenchFlags(%v) accepted", args)
		}
	}
	if _, _, err := parseBenchFlags(t.Context(), bench.KindWS, nil, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Errorf("without a secret: %v", err)
	}
	if _, _, err := parseBenchFlags(t.Context(), bench.KindWS, []string{"--events", "0", "--duration", "5s"}, env, io.Discard); err != nil {
		t.Errorf("a drive bounded by --duration: %v", err)
	}
}

func TestBenchTranscriptFlags(t *testing.T) {
	env := func(string) string { return "s" }
	cfg, _, err := parseBenchFlags(t.Context(), bench.KindTranscript, nil, env, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Kind != bench.KindTranscript || cfg.Clients != 5000 || cfg.Rate != 5 || cfg.Events != 100 || cfg.Lang != "en" ||
		cfg.Late != 5 || cfg.LateBacklog != 10000 || cfg.Prefill != 0 || cfg.Backlog != 0 || cfg.LateOnly {
		t.Errorf("defaults = %+v", cfg)
	}
	for _, args := range [][]string{
		{"--lang", "English!"},
		{"--late-backlog", "10001"},
		{"--late-only", "--late", "0"},
		{"--backlog", "-1"},
		{"--prefill", "-5"},
		{"--idle"},           // the ws kind's
		{"--driver", "hand"}, // likewise
	} {
		if _, _, err := parseBenchFlags(t.Context(), bench.KindTranscript, args, env, io.Discard); err == nil {
			t.Errorf("parseBenchFlags(transcript, %v) accepted", args)
		}
	}
	cfg, _, err = parseBenchFlags(t.Context(), bench.KindTranscript, []string{"--late-only", "--clients", "0", "--events", "0"}, env, io.Discard)
	if err != nil || !cfg.LateOnly {
		t.Errorf("--late-only: %v, late only %v", err, cfg.LateOnly)
	}
	if _, _, err := parseBenchFlags(t.Context(), bench.KindTranscript, []string{"--lang", "pt-br"}, env, io.Discard); err != nil {
		t.Errorf("--lang pt-br: %v", err)
	}
}

func TestBenchMediaFlags(t *testing.T) {
	env := func(string) string { return "s" }
	cfg, _, err := parseBenchFlags(t.Context(), bench.KindMedia, nil, env, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Kind != bench.KindMedia || cfg.Clients != 300 || cfg.ConnectRate != 50 || cfg.Packets != 500 ||
		len(cfg.BaselineCommand) != 4 || cfg.BaselineCommand[3] != baselineServeFlag ||
		len(cfg.RelayCommand) != 2 || cfg.RelayCommand[1] != "relay" {
		t.Errorf("defaults = %+v", cfg)
	}
	for _, tc := range []struct {
		args            []string
		baseline, relay bool
	}{
		{args: []string{"--baseline=false"}, relay: true},
		{args: []string{"--relay=false"}, baseline: true},
		{args: []string{"--relay=false", "--baseline=false"}},
	} {
		cfg, _, err = parseBenchFlags(t.Context(), bench.KindMedia, tc.args, env, io.Discard)
		if err != nil || (cfg.BaselineCommand != nil) != tc.baseline || (cfg.RelayCommand != nil) != tc.relay {
			t.Errorf("%v: %v, baseline command %v, relay command %v", tc.args, err, cfg.BaselineCommand, cfg.RelayCommand)
		}
	}
	for _, args := range [][]string{
		{"--packets", "0"},
		{"--connect-rate", "0"},
		{"--url", "http://10.1.2.3"},
		{"--events", "5"}, // the ws kind's
	} {
		if _, _, err := parseBenchFlags(t.Context(), bench.KindMedia, args, env, io.Discard); err == nil {
			t.Errorf("parseBenchFlags(media, %v) accepted", args)
		}
	}
}

// TestBaselineServeSaysWhereAndEndsWithItsInput is the child's side of
// what the media kind starts: the ready line, then an exit when the
// bench closes its standard input.
func TestBaselineServeSaysWhereAndEndsWithItsInput(t *testing.T) {
	stdin, feed := io.Pipe()
	stdout, out := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serveBaseline(t.Context(), []string{baselineServeFlag}, stdin, out, io.Discard) }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, bench.BaselineReady+"http://127.0.0.1:") {
		t.Fatalf("ready line %q, %v", line, err)
	}
	resp, err := http.Post(strings.TrimSpace(strings.TrimPrefix(line, bench.BaselineReady))+"/api/v1/rooms/r/whep", "application/sdp", strings.NewReader("not SDP"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad offer: HTTP %d, want 400", resp.StatusCode)
	}
	feed.Close()
	if err := <-done; err != nil {
		t.Errorf("after its input ended: %v", err)
	}
}

// TestBenchMediaMeasuresMouthToEarThroughARelay runs `parley bench media`
// as an operator would, against `parley serve`: the bench starts `parley
// relay` in front of the server itself, and the report gives every
// packet's mouth-to-ear time on the direct path and through the relay.
func TestBenchMediaMeasuresMouthToEarThroughARelay(t *testing.T) {
	srv := start(t, "--data", t.TempDir())
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	const clients, packets = 3, 50
	cmd := exec.CommandContext(ctx, bin, "bench", "media", "--url", srv.url, "--clients", fmt.Sprint(clients), "--packets", fmt.Sprint(packets),
		"--settle", "0", "--drain", "30s", "--timeout", "2m", "--baseline=false", "--json")
	cmd.Env = append(os.Environ(), "PARLEY_JWT_SECRET="+testSecret)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s", err, errs.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if !rep.Passed || rep.Media == nil || len(rep.Media.Targets) != 2 {
		t.Fatalf("passed %v, problems %v, media %+v\n%s", rep.Passed, rep.Problems, rep.Media, errs.String())
	}
	direct, via := rep.Media.Targets[0], rep.Media.Targets[1]
	if direct.URL != srv.url || direct.Upstream != "" || via.Upstream != srv.url || via.URL == srv.url {
		t.Errorf("paths: direct at %s (upstream %q), relay at %s in front of %q; want the relay in front of %s", direct.URL, direct.Upstream, via.URL, via.Upstream, srv.url)
	}
	for _, tg := range rep.Media.Targets {
		if m := tg.MouthToEar; m.Count != clients*packets || m.P50Ms <= 0 || m.P95Ms < m.P50Ms || m.MaxMs < m.P99Ms {
			t.Errorf("%s: mouth to ear %+v, want %d samples in order", tg.Name, m, clients*packets)
		}
	}
}
