package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// logBuffer collects a server's log lines, safely for its goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the logged lines that contain every one of parts.
func (b *logBuffer) lines(parts ...string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		all := l != ""
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			out = append(out, l)
		}
	}
	return out
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// clock is a wall clock that a test can move forward.
type clock struct{ ahead atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.ahead.Load())) }
func (c *clock) advance(d time.Duration) { c.ahead.Add(int64(d)) }

// redisAPI serves Parley over a redis-server of the test's own, with the
// client settings `parley serve` uses.
func redisAPI(t *testing.T, log *logBuffer, now func() time.Time) (*api, *redistest.Server) {
	t.Helper()
	srv := redistest.StartServer(t)
	opts, err := redisstore.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	store := redisstore.New(redis.NewClient(opts), "parley")
	t.Cleanup(func() { store.Close() })
	return serveService(t, store, log.logger(), now), srv
}

// answer is a response's status, error code and message, and Retry-After.
type answer struct {
	status        int
	code, message string
	retryAfter    string
}

func (a *api) answer(t *testing.T, method, path, token, body string) answer {
	t.Helper()
	resp := a.do(t, method, path, token, body, nil)
	got := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode < 300 {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return got
	}
	e := decodeError(t, resp)
	got.code, got.message = e.Code, e.Message
	return got
}

// waitReady polls /readyz until it answers 200.
func (a *api) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for a.answer(t, http.MethodGet, "/readyz", "", "").status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not recover")
		}
		time.Sleep(50 * time.Millisecond) // polling for the store to come back
	}
}

// A Redis that restarts empty lost every room: the node says so at ERROR,
// answers 503 and fails /readyz, drops what it cached, and serves what the
// store has from the next request on.
func TestRedisRestartedEmptyIsAFault(t *testing.T) {
	t.Parallel()
	var log logBuffer
	var clk clock
	a, srv := redisAPI(t, &log, clk.now)
	admin := a.token(t, "*", rooms.RoleAdmin, "secretariat", nil)
	for _, id := range []string{"plenary", "side"} {
		a.createRoom(t, admin, `{"id":"`+id+`","title":"Before"}`)
		for _, sub := range []string{"amina", "bruno", "chen"} {
			a.command(t, a.token(t, id, rooms.RoleParticipant, sub, nil), id, `{"type":"raise_hand"}`, http.StatusOK)
		}
	}

	srv.Wipe()
	srv.Start()

	dana := a.token(t, "plenary", rooms.RoleParticipant, "dana", nil)
	got := a.answer(t, http.MethodPost, "/api/v1/rooms/plenary/commands", dana, `{"type":"raise_hand"}`)
	if got.status != http.StatusServiceUnavailable || got.code != "store_lost_events" || got.retryAfter == "" ||
		!strings.Contains(got.message, "0 of the 4 events") || strings.Contains(got.message, `room "plenary"`) {
		t.Fatalf("command after the store lost the room: %+v, want 503 store_lost_events with Retry-After saying 0 of 4", got)
	}
	if l := log.lines("level=ERROR", "lost events", "room=plenary"); len(l) != 1 {
		t.Errorf("want one ERROR line about the lost room, got %q", l)
	}
	if got := a.answer(t, http.MethodGet, "/readyz", "", ""); got.status != http.StatusServiceUnavailable || got.code != "store_lost_events" {
		t.Errorf("/readyz after the loss: %+v, want 503 store_lost_events", got)
	}
	if got := a.answer(t, http.MethodGet, "/healthz", "", ""); got.status != http.StatusOK {
		t.Errorf("/healthz: %+v", got)
	}
	// Reloaded from what the store has: nothing.
	if got := a.answer(t, http.MethodGet, "/api/v1/rooms/plenary", admin, ""); got.status != http.StatusNotFound {
		t.Errorf("room after reload: %+v, want 404", got)
	}
	// Opening a lost room again gives the new room, not the cached one.
	for _, id := range []string{"plenary", "side"} {
		a.createRoom(t, admin, `{"id":"`+id+`","title":"After"}`)
		var snap rooms.Snapshot
		a.getJSON(t, admin, "/api/v1/rooms/"+id, &snap)
		if snap.Title != "After" || snap.Seq != 1 || len(snap.Queue) != 0 {
			t.Errorf("%s opened again: title %q, seq %d, %d queued; want the new room", id, snap.Title, snap.Seq, len(snap.Queue))
		}
	}
	// "side" was still cached when it was opened again: that is how the
	// loss was found there.
	if l := log.lines("level=ERROR", "lost events", "room=side"); len(l) != 1 {
		t.Errorf("want one ERROR line about the lost room found on opening it, got %q", l)
	}
	a.command(t, dana, "plenary", `{"type":"raise_hand"}`, http.StatusOK)

	clk.advance(2 * time.Minute)
	if got := a.answer(t, http.MethodGet, "/readyz", "", ""); got.status != http.StatusOK {
		t.Errorf("/readyz long after the loss: %+v, want 200", got)
	}
}

// A Redis outage is a 503 with Retry-After and a failing /readyz, never a
// 500 or a hang, and the node recovers by itself when Redis is back.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	var log logBuffer
	a, srv := redisAPI(t, &log, nil)
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, `{"id":"plenary"}`)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	a.command(t, amina, "plenary", `{"type":"raise_hand"}`, http.StatusOK)

	outages := []struct {
		name       string
		start, end func()
	}{
		{"down", srv.Stop, srv.Start},
		{"stalled", srv.Pause, srv.Resume},
	}
	for i, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			o.start()
			for _, req := range []struct{ method, path, token, body string }{
				{http.MethodPost, "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`},
				{http.MethodGet, "/api/v1/rooms/plenary", amina, ""},
				{http.MethodGet, "/api/v1/rooms/plenary/transcript", amina, ""},
			} {
				got := a.answer(t, req.method, req.path, req.token, req.body)
				if got.status != http.StatusServiceUnavailable || got.code != "store_unavailable" || got.retryAfter == "" ||
					strings.Contains(got.message, "tcp") || strings.Contains(got.message, "redis") {
					t.Errorf("%s %s while Redis is %s: %+v, want 503 store_unavailable, Retry-After and a plain message", req.method, req.path, o.name, got)
				}
			}
			if got := a.answer(t, http.MethodGet, "/readyz", "", ""); got.status != http.StatusServiceUnavailable || got.code != "store_unavailable" {
				t.Errorf("/readyz while Redis is %s: %+v", o.name, got)
			}
			if got := a.answer(t, http.MethodGet, "/healthz", "", ""); got.status != http.StatusOK {
				t.Errorf("/healthz while Redis is %s: %+v", o.name, got)
			}
			if l := log.lines("level=ERROR"); len(l) > 0 {
				t.Errorf("an outage logged as a server fault: %q", l)
			}

			o.end()
			a.waitReady(t)
			a.command(t, a.token(t, "plenary", rooms.RoleParticipant, fmt.Sprint("p", i), nil), "plenary", `{"type":"raise_hand"}`, http.StatusOK)
			var snap rooms.Snapshot
			a.getJSON(t, amina, "/api/v1/rooms/plenary", &snap)
			if len(snap.Queue) != i+2 {
				t.Errorf("after Redis came back: %d queued, want %d", len(snap.Queue), i+2)
			}
		})
	}
}

// A client that hangs up while its request waits on the store is no
// server fault: nothing is logged above DEBUG.
func TestClientHangUpIsNoServerError(t *testing.T) {
	t.Parallel()
	var log logBuffer
	a, srv := redisAPI(t, &log, nil)
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, `{"id":"plenary"}`)

	srv.Pause()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/api/v1/rooms/plenary", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+chair)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the request to a stalled store was answered: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(log.lines("client went away")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not finish the abandoned request; log:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond) // polling for the server to give up on the store
	}
	if l := append(log.lines("level=ERROR"), log.lines("level=WARN")...); len(l) > 0 {
		t.Errorf("a hang-up logged as a fault: %q", l)
	}
	srv.Resume()
}

// A body that ends before its announced length is the client's fault.
func TestTruncatedBodyIsABadRequest(t *testing.T) {
	a := newAPI(t)
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, `{"id":"plenary"}`)
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"type":"raise`
	fmt.Fprintf(conn, "POST /api/v1/rooms/plenary/commands HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", chair, len(body)+20, body)
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := decodeError(t, resp); resp.StatusCode != http.StatusBadRequest || e.Code != "body_truncated" {
		t.Fatalf("truncated body: %d %+v, want 400 body_truncated", resp.StatusCode, e)
	}
}

// A server bounds its rooms and says so plainly when it holds them all.
func TestRoomLimit(t *testing.T) {
	a := serveService(t, openFilestore(t), slog.New(slog.DiscardHandler), nil, rooms.WithMaxRooms(2))
	admin := a.token(t, "*", rooms.RoleAdmin, "secretariat", nil)
	a.createRoom(t, admin, `{"id":"one"}`)
	a.createRoom(t, admin, `{"id":"two"}`)
	got := a.answer(t, http.MethodPost, "/api/v1/rooms", admin, `{"id":"three"}`)
	if got.status != http.StatusConflict || got.code != "room_limit" || !strings.Contains(got.message, "holds 2 rooms") || !strings.Contains(got.message, "--max-rooms") {
		t.Errorf("a third room: %+v, want 409 room_limit saying the server holds 2 rooms", got)
	}
	if got := a.answer(t, http.MethodPost, "/api/v1/rooms", admin, `{"id":"two"}`); got.status != http.StatusConflict || got.code != "exists" {
		t.Errorf("opening an existing room on a full server: %+v, want 409 exists", got)
	}
	a.command(t, a.token(t, "two", rooms.RoleParticipant, "amina", nil), "two", `{"type":"raise_hand"}`, http.StatusOK)
}
