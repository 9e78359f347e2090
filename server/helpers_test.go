package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/ratelimit"
)

// api is a real server on 127.0.0.1 over the embedded store.
type api struct {
	url    string
	secret []byte
	client *http.Client // what do sends requests with
	rooms  *rooms.Service
}

func newAPI(t testing.TB) *api {
	t.Helper()
	return newAPIWithin(t, server.DefaultHTTPLimits)
}

func newAPIWithin(t testing.TB, limits server.HTTPLimits) *api {
	t.Helper()
	return serveWithin(t, openFilestore(t), limits, slog.New(slog.DiscardHandler), nil, nil)
}

// newAPIForPeople is a server whose people (token subs) are within limits.
func newAPIForPeople(t testing.TB, limits ratelimit.Limits) *api {
	t.Helper()
	return serveWithin(t, openFilestore(t), server.DefaultHTTPLimits, slog.New(slog.DiscardHandler), nil, forPeople(limits))
}

// forPeople tunes a server's people limits.
func forPeople(limits ratelimit.Limits) func(*live.Config) {
	return func(c *live.Config) { c.People = ratelimit.NewPeople(limits) }
}

// openFilestore opens an embedded store in a fresh directory, closed when
// t ends.
func openFilestore(t testing.TB) *filestore.Store {
	t.Helper()
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func serveStore(t testing.TB, store rooms.Store) *api {
	return serveService(t, store, slog.New(slog.DiscardHandler), nil)
}

// serveService serves a room service over store that logs to log, on the
// clock now (nil: the wall clock), with opts.
func serveService(t testing.TB, store rooms.Store, log *slog.Logger, now func() time.Time, opts ...rooms.Option) *api {
	return serveWithin(t, store, server.DefaultHTTPLimits, log, now, nil, opts...)
}

// serveWithin serves over store with the http.Server `parley serve` runs,
// within limits; tune, if not nil, changes the live hub's config. The
// server shares the hub's people, as wire.go joins them.
func serveWithin(t testing.TB, store rooms.Store, limits server.HTTPLimits, log *slog.Logger, now func() time.Time, tune func(*live.Config), opts ...rooms.Option) *api {
	t.Helper()
	secret := []byte("test-secret-of-enough-length-for-hs256")
	v, err := auth.NewVerifier(secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	// As cmd/parley/wire.go joins them.
	svc := rooms.NewService(store, log, now, opts...)
	transcripts := rooms.NewTranscripts(svc, log)
	cfg := live.Config{Rooms: svc, Transcripts: transcripts, Log: log, Describe: server.ProtocolError, People: ratelimit.NewPeople(ratelimit.Limits{})}
	if tune != nil {
		tune(&cfg)
	}
	hub := live.New(cfg)
	hub.Start()
	plane, err := media.New(media.Config{Rooms: svc, Log: log, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	plane.Start()
	parley := server.New(server.Parts{Rooms: svc, Transcripts: transcripts, Verifier: v, Live: hub, Media: plane, People: cfg.People, AllowedOrigins: cfg.AllowedOrigins, Log: log})
	srv := httptest.NewUnstartedServer(parley)
	srv.Config = server.HTTPServer(parley, limits, log)
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { hub.Close(context.Background()) })
	t.Cleanup(func() { plane.Close(context.Background()) })
	return &api{url: srv.URL, secret: secret, client: http.DefaultClient, rooms: svc}
}

func (a *api) token(t testing.TB, room, role, sub string, mutate func(*auth.Claims)) string {
	t.Helper()
	c := auth.Claims{Room: room, Role: role, Name: strings.ToUpper(sub[:1]) + sub[1:], RegisteredClaims: jwt.RegisteredClaims{Subject: sub}}
	if mutate != nil {
		mutate(&c)
	}
	tok, err := auth.Issue(a.secret, c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (a *api) do(t testing.TB, method, path, token, body string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (a *api) createRoom(t testing.TB, token, body string) {
	t.Helper()
	resp := a.do(t, http.MethodPost, "/api/v1/rooms", token, body, nil)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("create room: %d %s", resp.StatusCode, b)
	}
}

// command posts a command, checks the status and returns the decoded answer.
func (a *api) command(t *testing.T, token, room, body string, want int) map[string]any {
	t.Helper()
	resp := a.do(t, http.MethodPost, "/api/v1/rooms/"+room+"/commands", token, body, nil)
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: decode answer: %v", body, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d (%v), want %d", body, resp.StatusCode, out, want)
	}
	return out
}

func (a *api) getJSON(t *testing.T, token, path string, v any) {
	t.Helper()
	resp := a.do(t, http.MethodGet, path, token, "", nil)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

type errBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func decodeError(t *testing.T, resp *http.Response) errBody {
	t.Helper()
	defer resp.Body.Close()
	var e struct {
		Error errBody `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("status %d: error body: %v", resp.StatusCode, err)
	}
	return e.Error
}
