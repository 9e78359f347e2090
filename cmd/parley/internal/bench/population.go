package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// The population's categories, in the proportions a large multistakeholder
// meeting has: every group and region represented, gender mostly declared,
// most people remote, some in the room, some at hubs, a fifth only watching.
var (
	benchGroups  = []string{"government", "civil-society", "private-sector", "technical-community", "academia", "intergovernmental"}
	benchRegions = []string{"africa", "asia-pacific", "eastern-europe", "latin-america-caribbean", "western-europe-others"}
	benchGenders = []string{"woman", "man", "woman", "man", "", "non-binary"}
	benchHubs    = []string{"dhaka", "nairobi", "sao-paulo", "tunis", "manila"}
)

// person is client i's identity. It is deterministic so that two runs
// load the server with the same mix.
func person(room string, i int) auth.Claims {
	c := auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: fmt.Sprintf("bench-%d", i)},
		Name:             fmt.Sprintf("Bench %d", i),
		Room:             room,
		Role:             rooms.RoleParticipant,
		Group:            benchGroups[i%len(benchGroups)],
		// Strides co-prime with the group count so categories cross.
		Region: benchRegions[(i/7)%len(benchRegions)],
		Gender: benchGenders[(i/3)%len(benchGenders)],
		Mode:   rooms.ModeRemote,
	}
	switch {
	case i%5 == 4:
		// Screens and watchers: observers carry no categories.
		c.Role, c.Group, c.Region, c.Gender, c.Mode = rooms.RoleObserver, "", "", "", ""
	case i%4 == 0:
		c.Mode = rooms.ModeInRoom
	case i%11 == 0:
		c.Mode, c.Hub = rooms.ModeHub, benchHubs[(i/11)%len(benchHubs)]
	}
	return c
}

// credentials are the run's credentials.
type credentials struct {
	admin     string   // opens the room
	driver    string   // chair who drives the commands
	captioner string   // posts the transcript kind's captions
	clients   []string // one per live client
	late      []string // one per late viewer
}

// mintTokens issues every token up front so that signing costs nothing
// during the measured phases. They outlive the run's timeout, so the server
// never closes a connection for an expired token mid-run.
func mintTokens(cfg Config) (credentials, error) {
	ttl := cfg.Timeout + time.Hour
	var t credentials
	var err error
	admin := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench-admin"}, Name: "Bench admin", Room: auth.AnyRoom, Role: rooms.RoleAdmin}
	if t.admin, err = auth.Issue(cfg.Secret, admin, ttl); err != nil {
		return credentials{}, fmt.Errorf("bench: admin token: %w", err)
	}
	driver := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench-driver"}, Name: "Bench chair", Room: cfg.Room,
		Role: rooms.RoleChair, Group: "government", Region: "africa", Gender: "woman", Mode: rooms.ModeInRoom}
	if t.driver, err = auth.Issue(cfg.Secret, driver, ttl); err != nil {
		return credentials{}, fmt.Errorf("bench: driver token: %w", err)
	}
	t.clients = make([]string, cfg.Clients)
	for i := range t.clients {
		if t.clients[i], err = auth.Issue(cfg.Secret, person(cfg.Room, i), ttl); err != nil {
			return credentials{}, fmt.Errorf("bench: token of client %d: %w", i, err)
		}
	}
	if !cfg.transcript() {
		return t, nil
	}
	// The captioner may write only the channel under test, as a CART
	// writer's token for one language does.
	captioner := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench-captioner"}, Name: "Bench captioner", Room: cfg.Room,
		Role: rooms.RoleCaptioner, Lang: cfg.Lang}
	if t.captioner, err = auth.Issue(cfg.Secret, captioner, ttl); err != nil {
		return credentials{}, fmt.Errorf("bench: captioner token: %w", err)
	}
	// Late viewers are more of the same population, after the others.
	t.late = make([]string, cfg.Late)
	for i := range t.late {
		if t.late[i], err = auth.Issue(cfg.Secret, person(cfg.Room, cfg.Clients+i), ttl); err != nil {
			return credentials{}, fmt.Errorf("bench: token of late viewer %d: %w", i, err)
		}
	}
	return t, nil
}

// newHTTPClient talks only to the target: no proxy from the
// environment, no redirects elsewhere.
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("bench: the server redirected; refusing to follow")
		},
	}
}

// apiCall POSTs the JSON body with token and returns the status and the
// answer.
func apiCall(ctx context.Context, hc *http.Client, url, token, body string) (int, []byte, error) {
	return apiSend(ctx, hc, http.MethodPost, url, token, "application/json", body)
}

// apiSend makes one API request with token in the Authorization header
// (never the URL: it stays out of access logs) and returns the status and
// up to 1 MiB of the answer.
func apiSend(ctx context.Context, hc *http.Client, method, url, token, contentType, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, data, err
}

// ensureRoom opens the room, or keeps it if an earlier run opened it.
func ensureRoom(ctx context.Context, hc *http.Client, cfg Config, adminToken string) (created bool, err error) {
	body := fmt.Sprintf(`{"id":%q,"title":"Parley bench"}`, cfg.Room)
	status, data, err := apiCall(ctx, hc, cfg.apiURL("/rooms"), adminToken, body)
	switch {
	case err != nil:
		return false, fmt.Errorf("bench: create room %q: %w", cfg.Room, err)
	case status == http.StatusCreated:
		return true, nil
	case status == http.StatusConflict:
		return false, nil
	}
	return false, fmt.Errorf("bench: create room %q: HTTP %d: %s", cfg.Room, status, strings.TrimSpace(string(data)))
}
