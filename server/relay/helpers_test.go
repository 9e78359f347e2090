package relay_test

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/ratelimit"
	"github.com/parley-hub/parley/server/relay"
)

// mainServer is a real Parley on 127.0.0.1, joined as cmd/parley/wire.go
// joins it.
type mainServer struct {
	url    string
	secret []byte
	rooms  *rooms.Service
	hub    *live.Hub
	plane  *media.Plane
	// wheps counts the WHEP offers the server was sent, mes the questions
	// about a token (GET .../me).
	wheps, mes atomic.Int64
}

func newMain(t testing.TB) *mainServer {
	t.Helper()
	return newMainWith(t, media.Config{})
}

// newMainWith is newMain with media of mcfg, whose rooms, log and
// loopback it sets.
func newMainWith(t testing.TB, mcfg media.Config) *mainServer {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	secret := []byte("main-secret-of-enough-length-for-hs256")
	v, err := auth.NewVerifier(secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := rooms.NewService(store, log, nil)
	transcripts := rooms.NewTranscripts(svc, log)
	people := ratelimit.NewPeople(ratelimit.Limits{})
	hub := live.New(live.Config{Rooms: svc, Transcripts: transcripts, Log: log, Describe: server.ProtocolError, People: people})
	hub.Start()
	mcfg.Rooms, mcfg.Log, mcfg.Loopback = svc, log, true
	plane, err := media.New(mcfg)
	if err != nil {
		t.Fatal(err)
	}
	plane.Start()
	m := &mainServer{secret: secret, rooms: svc, hub: hub, plane: plane}
	parley := server.New(server.Parts{Rooms: svc, Transcripts: transcripts, Verifier: v, Live: hub, Media: plane, People: people, Log: log})
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/whep") {
			m.wheps.Add(1)
		}
		if strings.HasSuffix(r.URL.Path, "/me") {
			m.mes.Add(1)
		}
		parley.ServeHTTP(w, r)
	})
	srv := httptest.NewUnstartedServer(counted)
	srv.Config = server.HTTPServer(counted, server.DefaultHTTPLimits, log)
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { hub.Close(context.Background()) })
	t.Cleanup(func() { plane.Close(context.Background()) })
	m.url = srv.URL
	return m
}

// issue signs a token with secret for room plenary.
func issue(t testing.TB, secret []byte, role, sub string, mutate func(*auth.Claims)) string {
	t.Helper()
	c := auth.Claims{Room: "plenary", Role: role, Name: strings.ToUpper(sub[:1]) + sub[1:], RegisteredClaims: jwt.RegisteredClaims{Subject: sub}}
	if mutate != nil {
		mutate(&c)
	}
	tok, err := auth.Issue(secret, c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (m *mainServer) token(t testing.TB, role, sub string, mutate func(*auth.Claims)) string {
	return issue(t, m.secret, role, sub, mutate)
}

// post sends body to path with token and fails the test unless the status
// is want.
func post(t testing.TB, base, path, token, body string, want int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %d %s, want %d", path, resp.StatusCode, b, want)
	}
}

// plenary creates the room and returns the chair's token.
func (m *mainServer) plenary(t testing.TB) string {
	t.Helper()
	chair := m.token(t, rooms.RoleChair, "chair", nil)
	post(t, m.url, "/api/v1/rooms", chair, `{"id":"plenary","policy":{"kind":"fifo"}}`, http.StatusCreated)
	return chair
}

// hubToken is the Nairobi hub's token for the main server.
func (m *mainServer) hubToken(t testing.TB) string {
	return m.token(t, rooms.RoleHub, "nairobi", func(c *auth.Claims) { c.Hub, c.Name, c.HubName = "nairobi", "Nairobi hub", "Nairobi hub" })
}

// localSecret signs the tokens the relay issues to the hub's members.
var localSecret = []byte("local-secret-of-enough-length-hs256")

// localRelay is a relay in front of upstream, serving on 127.0.0.1.
type localRelay struct {
	*relay.Relay
	url string
}

func startRelay(t testing.TB, upstream, token string) *localRelay {
	t.Helper()
	return startRelayWith(t, relay.Config{Upstream: upstream, Token: token})
}

// startRelayWith starts a relay of cfg, whose local tokens and log it
// sets, and its backoff unless cfg has one.
func startRelayWith(t testing.TB, cfg relay.Config) *localRelay {
	t.Helper()
	v, err := auth.NewVerifier(localSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Local, cfg.Log, cfg.MaxBackoff = v, slog.New(slog.DiscardHandler), cmp.Or(cfg.MaxBackoff, 500*time.Millisecond)
	r, err := relay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return &localRelay{Relay: r, url: srv.URL}
}

// dial opens a local live connection with a local token.
func (l *localRelay) dial(t testing.TB, role, sub, query string) *livetest.Conn {
	t.Helper()
	return l.dialToken(t, issue(t, localSecret, role, sub, nil), query)
}

// dialToken opens a local live connection with token.
func (l *localRelay) dialToken(t testing.TB, token, query string) *livetest.Conn {
	t.Helper()
	return livetest.Dial(t, "ws"+strings.TrimPrefix(l.url, "http")+"/api/v1/rooms/plenary/ws?access_token="+token+query, nil)
}

// waitFor polls cond until it holds, failing the test after a bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cutProxy is a TCP proxy whose connections the test can cut: Cut closes
// every connection and refuses new ones until Restore.
type cutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newCutProxy(t testing.TB, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: strings.TrimPrefix(target, "http://"), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil {
			continue
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Cut closes every connection through the proxy and refuses new ones.
func (p *cutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Restore lets connections through again.
func (p *cutProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}
