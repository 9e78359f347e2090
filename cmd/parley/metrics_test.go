package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/metrics"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/ratelimit"
)

// syncBuffer is a log sink written by the server's goroutines and read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// monitored is a node wired as `parley serve --metrics-addr` wires it,
// serving on 127.0.0.1, with its logs as JSON lines.
type monitored struct {
	*process
	metricsURL string
	logs       *syncBuffer
}

func startMonitored(t *testing.T, store rooms.Store, limits ratelimit.Limits) *monitored {
	t.Helper()
	logs := &syncBuffer{}
	log := newLogger(logs, "json", slog.LevelInfo, "node-test")
	verifier, err := auth.NewVerifier([]byte(testSecret), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New("node-test", "test")
	n, err := wire(store, verifier, nil, limits, media.Config{Loopback: true}, m, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.shutdown(context.Background()) })
	mon := &monitored{process: &process{}, logs: logs}
	mon.url = listen(t, server.HTTPServer(n.handler, server.DefaultHTTPLimits, log))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(log))
	mon.metricsURL = listen(t, &http.Server{Handler: mux}) + "/metrics"
	return mon
}

// listen serves srv on a free loopback port until the test ends.
func listen(t *testing.T, srv *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// scrape reads the node's series, by name and labels as Prometheus's
// text format writes them (labels sorted): `name{a="x",b="y"}` → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	for lines := bufio.NewScanner(resp.Body); lines.Scan(); {
		line := lines.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("series line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// until scrapes until cond holds of the series, or fails after a minute.
func (m *monitored) until(t *testing.T, what string, cond func(s map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := scrape(t, m.metricsURL)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a minute; series:\n%v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (m *monitored) openRoom(t *testing.T, room string) {
	t.Helper()
	m.mustCall(t, "POST", "/api/v1/rooms", mint(t, "*", rooms.RoleAdmin, "admin", ""), `{"id":"`+room+`","title":"Plenary"}`, http.StatusCreated)
}

func (m *monitored) dial(t *testing.T, room, tok string) *livetest.Conn {
	t.Helper()
	c := livetest.Dial(t, "ws"+strings.TrimPrefix(m.url, "http")+"/api/v1/rooms/"+room+"/ws?access_token="+tok, nil)
	c.Welcome()
	return c
}

func TestMetricsFollowCommandsDeliveriesAndRefusals(t *testing.T) {
	store, err := filestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := startMonitored(t, store, ratelimit.Limits{Rate: 5, MaxConns: 10})
	m.openRoom(t, "plenary")
	chair := mint(t, "plenary", rooms.RoleChair, "chair", "")
	viewer := m.dial(t, "plenary", mint(t, "plenary", rooms.RoleObserver, "watcher", ""))
	m.until(t, "the observer's connection counts", func(s map[string]float64) bool {
		return s[`parley_live_connections{role="observer"}`] == 1
	})
	before := scrape(t, m.metricsURL)

	m.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", mint(t, "plenary", rooms.RoleParticipant, "ana", ""), `{"type":"raise_hand"}`, http.StatusOK)
	viewer.NextOf(protocol.TypeEvent)
	m.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", chair, `{"type":"release"}`, http.StatusConflict)
	m.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", chair, `{"type":"no_such_command"}`, http.StatusBadRequest)
	cmd, _ := json.Marshal(rooms.Command{Type: rooms.CmdCallNext})
	chairLive := m.dial(t, "plenary", chair)
	chairLive.Send(protocol.ClientMessage{Type: protocol.TypeCommand, ID: "c1", Command: cmd})
	if ack := chairLive.NextOf(protocol.TypeAck); ack.ID != "c1" {
		t.Fatalf("call_next: %+v", ack)
	}
	viewer.NextOf(protocol.TypeEvent)

	s := m.until(t, "the commands, the events and their deliveries count", func(s map[string]float64) bool {
		return s[`parley_delivery_latency_seconds_count`] >= before[`parley_delivery_latency_seconds_count`]+2
	})
	moved := func(series string, by float64) {
		t.Helper()
		if got := s[series] - before[series]; got < by {
			t.Errorf("%s rose by %v, want at least %v", series, got, by)
		}
	}
	moved(`parley_commands_total{outcome="ok",type="raise_hand"}`, 1)
	moved(`parley_commands_total{outcome="refused",type="release"}`, 1)
	moved(`parley_commands_total{outcome="refused",type="invalid"}`, 1)
	moved(`parley_commands_total{outcome="ok",type="call_next"}`, 1)
	moved(`parley_command_duration_seconds_count{transport="http"}`, 3)
	moved(`parley_command_duration_seconds_count{transport="live"}`, 1)
	moved(`parley_events_appended_total`, 2)
	moved(`parley_live_messages_delivered_total`, 4)
	moved(`parley_store_requests_total{op="append"}`, 2)
	moved(`parley_store_duration_seconds_count{op="append"}`, 2)
	moved(`parley_http_requests_total{code="200",route="POST /api/v1/rooms/{room}/commands"}`, 1)
	moved(`parley_http_requests_total{code="101",route="GET /api/v1/rooms/{room}/ws"}`, 1)
	if s[`parley_live_connections{role="chair"}`] != 1 || s[`parley_rooms_loaded`] != 1 {
		t.Errorf("a chair's connection and one room: %v chair, %v rooms", s[`parley_live_connections{role="chair"}`], s[`parley_rooms_loaded`])
	}
	if s[`parley_node_info{node="node-test",version="test"}`] != 1 {
		t.Error("no parley_node_info of the node")
	}
	for series := range s {
		if strings.Contains(series, "plenary") || strings.Contains(series, "ana") {
			t.Errorf("a room or a person in a label: %s", series)
		}
	}

	// A transcript line reaches its viewer: the lag counts.
	viewer.Send(protocol.ClientMessage{Type: protocol.TypeTranscript, ID: "t1", Langs: []string{rooms.FloorLanguage}})
	viewer.NextOf(protocol.TypeAck)
	captioner := mint(t, "plenary", rooms.RoleCaptioner, "cap", "")
	m.mustCall(t, "POST", "/api/v1/rooms/plenary/captions", captioner, "Good morning.", http.StatusOK)
	viewer.NextOf(protocol.TypeSegment)
	m.until(t, "the segment's lag counts", func(s map[string]float64) bool {
		return s[`parley_transcript_lag_seconds_count`] >= 1
	})

	// A burst past the person's budget (5 a second, bursts of 10), over
	// HTTP and live.
	for range 30 {
		m.call(t, "GET", "/api/v1/rooms/plenary", chair, "")
	}
	for i := range 30 {
		chairLive.Send(protocol.ClientMessage{Type: protocol.TypePing, ID: strconv.Itoa(i)})
	}
	s = m.until(t, "the refusals count", func(s map[string]float64) bool {
		return s[`parley_rate_limited_total{transport="http"}`] >= 1 && s[`parley_rate_limited_total{transport="live"}`] >= 1
	})
	if s[`parley_http_requests_total{code="429",route="GET /api/v1/rooms/{room}"}`] < 1 {
		t.Error("the refused requests are not counted as 429s of their route")
	}

	chairLive.WS.Close()
	m.until(t, "the chair's connection no longer counts", func(s map[string]float64) bool {
		return s[`parley_live_connections{role="chair"}`] == 0
	})
}

func TestRequestsAreLoggedAsJSONWithTheirIDNodeAndRoom(t *testing.T) {
	store, err := filestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := startMonitored(t, store, ratelimit.Limits{Rate: 100, MaxConns: 10})
	m.openRoom(t, "plenary")
	ids := map[string]string{} // sent → echoed
	var toks []string
	for i, sent := range []string{"proxy-42.a:b_c", "", "not sane: é", strings.Repeat("x", 65)} {
		// A person of its own each, so that each hand raised is logged.
		toks = append(toks, mint(t, "plenary", rooms.RoleParticipant, "ana"+strconv.Itoa(i), ""))
		req, _ := http.NewRequest("POST", m.url+"/api/v1/rooms/plenary/commands", strings.NewReader(`{"type":"raise_hand"}`))
		req.Header.Set("Authorization", "Bearer "+toks[i])
		if sent != "" {
			req.Header[server.RequestIDHeader] = []string{sent}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ids[sent] = resp.Header.Get(server.RequestIDHeader)
	}
	if ids["proxy-42.a:b_c"] != "proxy-42.a:b_c" {
		t.Errorf("a sane X-Request-Id came back as %q", ids["proxy-42.a:b_c"])
	}
	for _, sent := range []string{"", "not sane: é", strings.Repeat("x", 65)} {
		if got := ids[sent]; got == "" || got == sent || !saneID(got) {
			t.Errorf("X-Request-Id %q: answered with %q, want one made by the server", sent, got)
		}
	}

	// Every line parses; those of the commands carry their request's id,
	// the node and the room, and no token.
	commands := map[string]bool{}
	deadline := time.Now().Add(time.Minute)
	for len(commands) < len(ids) && time.Now().Before(deadline) {
		commands = map[string]bool{}
		for line := range strings.Lines(m.logs.String()) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %q: %v", line, err)
			}
			if rec["node"] != "node-test" {
				t.Errorf("log line without the node: %q", line)
			}
			for _, tok := range toks {
				if strings.Contains(line, tok) {
					t.Fatalf("a token in the log: %q", line)
				}
			}
			if who, _ := rec["participant"].(string); rec["msg"] == "command" && rec["room"] == "plenary" && strings.HasPrefix(who, "ana") {
				commands[fmt.Sprint(rec["request_id"])] = true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for sent, echoed := range ids {
		if !commands[echoed] {
			t.Errorf("no command line with request_id %q (sent %q); log:\n%s", echoed, sent, m.logs.String())
		}
	}
}

func saneID(id string) bool {
	return id != "" && !strings.ContainsAny(id, " \r\n") && len(id) <= 64
}

func TestStoreErrorsAreCounted(t *testing.T) {
	redisServer := redistest.StartServer(t)
	opts, err := redisstore.ParseURL(redisServer.URL())
	if err != nil {
		t.Fatal(err)
	}
	store := redisstore.New(redis.NewClient(opts), redistest.Prefix(t))
	t.Cleanup(func() { store.Close() })
	m := startMonitored(t, store, ratelimit.Limits{Rate: 100, MaxConns: 10})
	m.openRoom(t, "plenary")
	tok := mint(t, "plenary", rooms.RoleParticipant, "ana", "")
	m.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", tok, `{"type":"raise_hand"}`, http.StatusOK)
	chair := m.dial(t, "plenary", mint(t, "plenary", rooms.RoleChair, "chair", ""))
	before := scrape(t, m.metricsURL)

	redisServer.Stop()
	cmd, _ := json.Marshal(rooms.Command{Type: rooms.CmdCallNext})
	chair.Send(protocol.ClientMessage{Type: protocol.TypeCommand, ID: "c1", Command: cmd})
	if reply := chair.NextOf(protocol.TypeError); reply.ID != "c1" {
		t.Fatalf("call_next with Redis down: %+v", reply)
	}
	m.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", tok, `{"type":"withdraw"}`, http.StatusServiceUnavailable)
	s := scrape(t, m.metricsURL)
	errs := 0.0
	for _, op := range []string{"append", "read", "last_seq"} {
		series := `parley_store_errors_total{op="` + op + `"}`
		errs += s[series] - before[series]
	}
	if errs < 1 {
		t.Errorf("a command with Redis down counted no store error")
	}
	if got := s[`parley_commands_total{outcome="error",type="call_next"}`]; got != 1 {
		t.Errorf("call_next with Redis down: %v errors counted, want 1", got)
	}
	if got := s[`parley_http_requests_total{code="503",route="POST /api/v1/rooms/{room}/commands"}`]; got != 1 {
		t.Errorf("the command with Redis down: %v answered 503, want 1", got)
	}
}

var metricsListening = regexp.MustCompile(`msg="parley metrics listening" addr=(\S+)`)

// `parley serve --metrics-addr` serves /metrics there, and not on the
// public port, which asks for no token to read it.
func TestServeMetricsApartFromThePublicPort(t *testing.T) {
	srv := start(t, "--data", t.TempDir(), "--metrics-addr", "127.0.0.1:0", "--node-id", "node-a")
	addr := metricsListening.FindStringSubmatch(srv.logs.String())
	if addr == nil {
		t.Fatalf("no metrics address in the log:\n%s", srv.logs)
	}
	srv.mustCall(t, "GET", "/healthz", "", "", http.StatusOK)
	s := (&monitored{metricsURL: "http://" + addr[1] + "/metrics"}).until(t, "the health check counts", func(s map[string]float64) bool {
		return s[`parley_http_requests_total{code="200",route="GET /healthz"}`] == 1
	})
	if s[`parley_node_info{node="node-a",version="dev"}`] != 1 || s["process_cpu_seconds_total"] == 0 && s["go_goroutines"] == 0 {
		t.Errorf("no node info, process or Go series: %v", s)
	}
	if status, body := srv.call(t, "GET", "/metrics", "", ""); status == http.StatusOK && bytes.Contains(body, []byte("parley_")) {
		t.Error("the public port serves the metrics")
	}
}

func TestMonitoringFlags(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cfg, err := parseServeFlags(nil, env(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MetricsAddr != "" || cfg.LogFormat != "text" || cfg.NodeID != defaultNodeID() {
		t.Errorf("defaults: metrics %q, format %q, node %q", cfg.MetricsAddr, cfg.LogFormat, cfg.NodeID)
	}
	if cfg, _ = parseServeFlags(nil, env("PARLEY_NODE_ID", "node-b"), io.Discard); cfg.NodeID != "node-b" {
		t.Errorf("PARLEY_NODE_ID=node-b: node %q", cfg.NodeID)
	}
	if _, err := parseServeFlags([]string{"--log-format", "xml"}, env(), io.Discard); err == nil {
		t.Error("--log-format xml accepted")
	}
}
