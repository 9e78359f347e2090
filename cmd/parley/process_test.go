package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/auth"
)

// These tests run the real binary, as an operator would, and kill it.

const testSecret = "process-test-secret-long-enough-for-hs256"

var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "parley-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "parley")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

type process struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	// stdout has the lines the process prints, and closes when it exits.
	stdout chan string
}

var listening = regexp.MustCompile(`msg="parley (?:relay )?listening" addr=(\S+)`)

// start runs `parley serve` with the test secret and args on a free
// loopback port and waits until it answers.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	// A data directory of its own unless args name one (the last --data
	// counts): even over Redis, serve keeps its record key there.
	return startServe(t, append([]string{"--secret", testSecret, "--data", t.TempDir()}, args...)...)
}

// startServe runs `parley serve` with args alone on a free loopback port
// and waits until it answers.
func startServe(t *testing.T, args ...string) *process {
	t.Helper()
	return startCommand(t, "serve", args...)
}

// startCommand runs `parley command` with args on a free loopback port and
// waits until it answers.
func startCommand(t *testing.T, command string, args ...string) *process {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{command, "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &bytes.Buffer{}, stdout: make(chan string, 1000)}
	go func() {
		defer close(p.stdout)
		for lines := bufio.NewScanner(stdout); lines.Scan(); {
			select {
			case p.stdout <- lines.Text():
			default: // nobody reads this much: drop it, never block the process
			}
		}
	}()
	t.Cleanup(func() { p.kill() })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		p.logs.WriteString(lines.Text() + "\n")
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			p.url = "http://" + m[1]
			break
		}
	}
	if p.url == "" {
		t.Fatalf("server did not start:\n%s", p.logs)
	}
	go io.Copy(io.Discard, stderr)
	return p
}

// output waits for a line of stdout that re matches and returns its
// submatches.
func (p *process) output(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-p.stdout:
			if !ok {
				t.Fatalf("the process ended without printing a line like %s", re)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-timeout.C:
			t.Fatalf("no line like %s", re)
		}
	}
}

// kill ends the process with SIGKILL: no shutdown, no flush.
func (p *process) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

func mint(t *testing.T, room, role, sub, group string) string {
	t.Helper()
	c := auth.Claims{Room: room, Role: role, Name: sub, Group: group}
	c.Subject = sub
	tok, err := auth.Issue([]byte(testSecret), c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends one request and returns the status and body.
func (p *process) call(t *testing.T, method, path, tok, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, p.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (p *process) mustCall(t *testing.T, method, path, tok, body string, want int) []byte {
	t.Helper()
	status, b := p.call(t, method, path, tok, body)
	if status != want {
		t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, status, b, want)
	}
	return b
}

// stableSnapshot is the room without what changes with the clock alone.
func (p *process) stableSnapshot(t *testing.T, room, tok string) string {
	t.Helper()
	var snap map[string]any
	if err := json.Unmarshal(p.mustCall(t, "GET", "/api/v1/rooms/"+room, tok, "", 200), &snap); err != nil {
		t.Fatal(err)
	}
	delete(snap, "server_time")
	if f, ok := snap["floor"].(map[string]any); ok {
		for _, k := range []string{"ends_at", "warn_at", "elapsed_s", "remaining_s"} {
			delete(f, k)
		}
		// The balance counts the turn in progress up to now.
		delete(snap, "balance")
	}
	b, _ := json.Marshal(snap)
	return string(b)
}

func (p *process) events(t *testing.T, room, tok string) []json.RawMessage {
	t.Helper()
	var all []json.RawMessage
	for after := 0; ; {
		var page struct {
			Events []json.RawMessage `json:"events"`
			More   bool              `json:"more"`
		}
		json.Unmarshal(p.mustCall(t, "GET", fmt.Sprintf("/api/v1/rooms/%s/events?after=%d&limit=10000", room, after), tok, "", 200), &page)
		all = append(all, page.Events...)
		after += len(page.Events)
		if !page.More {
			return all
		}
	}
}

// storeArgs are the serve flags of each store, fresh for each test.
var storeArgs = map[string]func(t *testing.T) []string{
	"embedded": func(t *testing.T) []string { return []string{"--data", t.TempDir()} },
	"redis": func(t *testing.T) []string {
		url, prefix := redistest.URL(t)
		return []string{"--redis", url, "--redis-prefix", prefix}
	},
	"redis-cluster": func(t *testing.T) []string {
		cluster := redistest.NewCluster(t)
		return []string{"--redis", cluster.URL(), "--redis-cluster", "--redis-prefix", cluster.Prefix(t)}
	},
	"redis-sentinel": func(t *testing.T) []string {
		return []string{"--redis", redistest.StartSentinel(t).URL(), "--redis-sentinel", redistest.SentinelMaster}
	},
}

func TestKill9LosesNothingAcknowledged(t *testing.T) {
	for name, args := range storeArgs {
		t.Run(name, func(t *testing.T) {
			args := args(t)
			srv := start(t, args...)
			admin := mint(t, "*", "admin", "secretariat", "")
			srv.mustCall(t, "POST", "/api/v1/rooms", admin, `{"id":"plenary","policy":{"kind":"balanced"}}`, 201)
			groups := []string{"government", "civil-society", "academia", "private-sector"}
			for i := range 8 {
				srv.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", mint(t, "plenary", "participant", fmt.Sprint("p", i), groups[i%4]), `{"type":"raise_hand"}`, 200)
			}
			srv.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", admin, `{"type":"call_next"}`, 200)
			srv.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", admin, `{"type":"call_next"}`, 200)
			before := srv.stableSnapshot(t, "plenary", admin)
			beforeEvents := srv.events(t, "plenary", admin)

			srv.kill()
			srv = start(t, args...)
			if after := srv.stableSnapshot(t, "plenary", admin); after != before {
				t.Fatalf("snapshot changed across kill -9:\nbefore %s\nafter  %s", before, after)
			}
			if after := srv.events(t, "plenary", admin); fmt.Sprint(after) != fmt.Sprint(beforeEvents) {
				t.Fatal("events changed across kill -9")
			}

			// Kill in the middle of a burst: whatever was acknowledged stays.
			acked := map[float64]string{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					tok := mint(t, "plenary", "participant", fmt.Sprint("burst", w), groups[w])
					for i := 0; i < 1000; i++ {
						cmd := []string{`{"type":"raise_hand"}`, `{"type":"withdraw"}`}[i%2]
						status, body := srv.call(t, "POST", "/api/v1/rooms/plenary/commands", tok, cmd)
						if status != 200 {
							return // the server is gone
						}
						var res struct {
							Seq    float64           `json:"seq"`
							Events []json.RawMessage `json:"events"`
						}
						json.Unmarshal(body, &res)
						mu.Lock()
						acked[res.Seq] = string(res.Events[len(res.Events)-1])
						n := len(acked)
						mu.Unlock()
						if n == 100 {
							srv.kill()
						}
					}
				})
			}
			wg.Wait()
			srv = start(t, args...)
			logged := map[float64]string{}
			for _, raw := range srv.events(t, "plenary", admin) {
				var e struct {
					Seq float64 `json:"seq"`
				}
				json.Unmarshal(raw, &e)
				logged[e.Seq] = string(raw)
			}
			if len(acked) < 100 {
				t.Fatalf("only %d commands acknowledged before the kill", len(acked))
			}
			for seq, ev := range acked {
				if !jsonEqual(logged[seq], ev) {
					t.Errorf("acknowledged event %v lost or changed: logged %s, acknowledged %s", seq, logged[seq], ev)
				}
			}
			t.Logf("%s: %d acknowledged before kill -9, all %d in the log after restart (log holds %d)", name, len(acked), len(acked), len(logged))
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return fmt.Sprint(x) == fmt.Sprint(y)
}

// Two serve processes on one Redis (or Cluster, or Sentinels' master),
// chairs on both calling the next speaker at once: one floor at a time,
// one log, the same room on both.
func TestTwoProcessesOnOneRedis(t *testing.T) {
	for _, name := range []string{"redis", "redis-cluster", "redis-sentinel"} {
		t.Run(name, func(t *testing.T) { twoProcesses(t, storeArgs[name](t)) })
	}
}

func twoProcesses(t *testing.T, args []string) {
	a, b := start(t, args...), start(t, args...)
	admin := mint(t, "*", "admin", "secretariat", "")
	a.mustCall(t, "POST", "/api/v1/rooms", admin, `{"id":"plenary","policy":{"kind":"balanced"}}`, 201)
	const speakers = 30
	groups := []string{"government", "civil-society", "academia", "private-sector", "technical-community"}
	for i := range speakers {
		node := []*process{a, b}[i%2]
		node.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", mint(t, "plenary", "participant", fmt.Sprint("p", i), groups[i%5]), `{"type":"raise_hand"}`, 200)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	calls := 0
	for _, node := range []*process{a, b} {
		wg.Go(func() {
			chair := mint(t, "plenary", "chair", "chair-"+node.url, "")
			for range speakers {
				status, body := node.call(t, "POST", "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`)
				if status == http.StatusConflict && strings.Contains(string(body), "queue is empty") {
					return
				}
				if status != 200 {
					t.Errorf("call_next: %d %s", status, body)
					return
				}
				mu.Lock()
				calls++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if calls != speakers {
		t.Errorf("%d call_next succeeded across both nodes, want %d", calls, speakers)
	}

	if sa, sb := a.stableSnapshot(t, "plenary", admin), b.stableSnapshot(t, "plenary", admin); sa != sb {
		t.Errorf("nodes disagree:\nA %s\nB %s", sa, sb)
	}
	if ea, eb := a.events(t, "plenary", admin), b.events(t, "plenary", admin); fmt.Sprint(ea) != fmt.Sprint(eb) {
		t.Error("nodes serve different logs")
	}
	var ivs []struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
		Sub   string    `json:"sub"`
	}
	json.Unmarshal(a.mustCall(t, "GET", "/api/v1/rooms/plenary/interventions", admin, "", 200), &ivs)
	if len(ivs) != speakers-1 {
		t.Fatalf("%d finished interventions, want %d", len(ivs), speakers-1)
	}
	subs := map[string]bool{}
	for i, iv := range ivs {
		if subs[iv.Sub] {
			t.Errorf("%s had the floor twice", iv.Sub)
		}
		subs[iv.Sub] = true
		if i > 0 && iv.Start.Before(ivs[i-1].End) {
			t.Errorf("intervention %d (%s) started before %s's ended: two floors at once", i, iv.Sub, ivs[i-1].Sub)
		}
	}
}

// SIGTERM shuts the server down cleanly: it says so and exits 0.
func TestSIGTERMShutsDownCleanly(t *testing.T) {
	srv := start(t, "--data", t.TempDir())
	if status, _ := srv.call(t, "GET", "/healthz", "", ""); status != 200 {
		t.Fatalf("healthz: %d", status)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, srv.logs)
	}
}
