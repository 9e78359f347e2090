package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/protocol"
)

// harness is a started hub over the embedded store, mounted on a real
// server on 127.0.0.1. Its handler takes who the client is from the query
// (sub, role, group, mode, lang, exp): authentication is package server's.
type harness struct {
	url         string
	rooms       *rooms.Service
	transcripts *rooms.Transcripts
	hub         *live.Hub
}

// newHarness starts the harness; tune, if given, changes the hub's config.
func newHarness(t testing.TB, tune ...func(*live.Config)) *harness {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessOver(t, store, log, tune...)
}

// newHarnessOver starts the harness over store, which it closes, logging
// to log.
func newHarnessOver(t testing.TB, store rooms.Store, log *slog.Logger, tune ...func(*live.Config)) *harness {
	t.Helper()
	svc := rooms.NewService(store, log, nil)
	h := &harness{rooms: svc, transcripts: rooms.NewTranscripts(svc, log)}
	cfg := live.Config{Rooms: svc, Transcripts: h.transcripts, Log: log, Describe: codes}
	for _, f := range tune {
		f(&cfg)
	}
	h.hub = live.New(cfg)
	h.hub.Start()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rooms/{room}/ws", func(w http.ResponseWriter, r *http.Request) {
		if err := h.hub.Serve(w, r, session(r)); err != nil {
			status := http.StatusBadRequest
			switch {
			case errors.Is(err, live.ErrShuttingDown):
				status = http.StatusServiceUnavailable
			case errors.Is(err, rooms.ErrNotFound):
				status = http.StatusNotFound
			}
			http.Error(w, err.Error(), status)
		}
	})
	srv := httptest.NewServer(mux)
	h.url = srv.URL
	// Cleanups run last first: the hub, then the listener, then the store.
	t.Cleanup(func() { store.Close() })
	t.Cleanup(srv.Close)
	t.Cleanup(func() { h.hub.Close(context.Background()) })
	return h
}

// codes names errors as package server does, for what these tests send.
func codes(err error) live.Problem {
	for sentinel, code := range map[error]string{
		rooms.ErrNotFound: "not_found", rooms.ErrForbidden: "forbidden",
		rooms.ErrInvalid: "invalid", rooms.ErrState: "not_now",
	} {
		if errors.Is(err, sentinel) {
			return live.Problem{Code: code, Message: err.Error()}
		}
	}
	return live.Problem{Code: "internal", Message: "internal", Fault: true}
}

func session(r *http.Request) live.Session {
	q := r.URL.Query()
	s := live.Session{Room: r.PathValue("room"), Who: rooms.Participant{
		Sub: q.Get("sub"), Name: q.Get("sub"), Role: q.Get("role"), Group: q.Get("group"), Mode: q.Get("mode"), Lang: q.Get("lang"),
	}}
	if exp, err := strconv.ParseInt(q.Get("exp"), 10, 64); err == nil {
		s.Expires = time.Unix(0, exp)
	}
	return s
}

// who is the query naming a client.
func who(sub, role string, more ...string) string {
	q := url.Values{"sub": {sub}, "role": {role}}
	for i := 0; i+1 < len(more); i += 2 {
		q.Set(more[i], more[i+1])
	}
	return q.Encode()
}

// plenary opens a fifo room.
func (h *harness) plenary(t testing.TB) {
	t.Helper()
	spec, err := rooms.DecodeRoomSpec([]byte(`{"id":"plenary","policy":{"kind":"fifo"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.rooms.Create(context.Background(), rooms.Participant{Sub: "chair", Role: rooms.RoleChair}, spec); err != nil {
		t.Fatal(err)
	}
}

// command runs a command in the plenary as sub with role.
func (h *harness) command(t testing.TB, sub, role, body string) rooms.Result {
	t.Helper()
	cmd, err := rooms.DecodeCommand([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.rooms.Execute(context.Background(), "plenary", rooms.Participant{Sub: sub, Name: sub, Role: role}, cmd)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return res
}

func (h *harness) chair(t testing.TB, body string) { h.command(t, "chair", rooms.RoleChair, body) }

// dial opens a live connection to room; query names the client and more.
func (h *harness) dial(t testing.TB, room, query string) *livetest.Conn {
	t.Helper()
	return livetest.Dial(t, h.wsURL(room, query), nil)
}

func (h *harness) tryDial(room, query string) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial(h.wsURL(room, query), nil)
}

func (h *harness) wsURL(room, query string) string {
	return "ws" + strings.TrimPrefix(h.url, "http") + "/rooms/" + room + "/ws?" + query
}

func presence(t testing.TB, m protocol.ServerMessage) rooms.Presence {
	t.Helper()
	if m.Presence == nil {
		t.Fatalf("presence message without counts: %+v", m)
	}
	return *m.Presence
}

func changes(t testing.TB, m protocol.ServerMessage, key string, v any) {
	t.Helper()
	raw, ok := m.Changes[key]
	if !ok {
		t.Fatalf("event %d changes lack %s: %v", m.Seq, key, m.Changes)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
