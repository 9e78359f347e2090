package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// The media kind's relay path: `parley relay` in front of the server, as a
// hub runs it, with the subscribers on the hub's side. The feed is
// published to the server as on the direct path; the relay takes it once
// over WHEP and serves it to every subscriber, which is one more hop.

// relayListening is the line `parley relay` logs (log/slog's text format)
// once it listens.
var relayListening = regexp.MustCompile(`msg="parley relay listening" addr=(\S+)`)

// relayAnnounce reads the relay's base URL from its listening line.
func relayAnnounce(line string) (string, bool) {
	m := relayListening.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return "http://" + strings.Trim(m[1], `"`), true
}

// relayUp bounds how long the relay may take to reach the server.
const relayUp = 30 * time.Second

// benchRelay is the relay a run measures through.
type benchRelay struct {
	url *url.URL
	pid int
	// secret signs its local members' tokens.
	secret []byte
	// proc and dataDir are the relay this run started, if it did.
	proc    *child
	dataDir string
}

// openRelay starts cfg.RelayCommand in front of the server, or takes the
// relay at cfg.RelayURL, and waits until its link to the server is up.
func openRelay(ctx context.Context, cfg Config, hc *http.Client) (*benchRelay, error) {
	r := &benchRelay{url: cfg.RelayURL, pid: cfg.RelayPID, secret: cfg.RelaySecret}
	if r.url == nil {
		if err := r.start(ctx, cfg); err != nil {
			return nil, err
		}
	}
	if err := waitLinkUp(ctx, hc, r.url); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// start runs the relay as a hub's machine would, on a loopback port of its
// choosing, with a hub token for the server and a secret of its own for
// the subscribers' tokens. Both go in its environment, not on its command
// line, where any user of the machine could read them.
func (r *benchRelay) start(ctx context.Context, cfg Config) error {
	hub := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench-hub"}, Name: "Bench hub", Room: cfg.Room, Role: rooms.RoleHub, Hub: "bench-hub", HubName: "Bench hub"}
	token, err := auth.Issue(cfg.Secret, hub, cfg.Timeout+time.Hour)
	if err != nil {
		return fmt.Errorf("bench: hub token: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	r.secret = []byte(hex.EncodeToString(key))
	if r.dataDir, err = os.MkdirTemp("", "parley-bench-relay-"); err != nil {
		return fmt.Errorf("bench: relay: %w", err)
	}
	args := slices.Concat(cfg.RelayCommand[1:], []string{"--upstream", cfg.BaseURL.String(), "--addr", "127.0.0.1:0", "--data", r.dataDir})
	cmd := exec.Command(cfg.RelayCommand[0], args...)
	cmd.Env = append(os.Environ(), "PARLEY_HUB_TOKEN="+token, "PARLEY_RELAY_SECRET="+string(r.secret))
	if r.proc, err = startChild(ctx, "relay", cmd, relayAnnounce, cfg.Progress); err != nil {
		os.RemoveAll(r.dataDir)
		return err
	}
	r.url, r.pid = r.proc.url, r.proc.pid
	return nil
}

// stop ends the relay this run started.
func (r *benchRelay) stop() {
	if r.proc == nil {
		return
	}
	r.proc.stop()
	os.RemoveAll(r.dataDir)
}

// waitLinkUp polls the relay's link state until it is up.
func waitLinkUp(ctx context.Context, hc *http.Client, base *url.URL) error {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/relay"
	deadline := time.Now().Add(relayUp)
	var last string
	for {
		status, body, err := apiSend(ctx, hc, http.MethodGet, u.String(), "", "", "")
		var link struct{ Up bool }
		switch {
		case err != nil:
			last = err.Error()
		case status != http.StatusOK || json.Unmarshal(body, &link) != nil:
			last = fmt.Sprintf("HTTP %d %s", status, body)
		case link.Up:
			return nil
		default:
			last = "link down"
		}
		if time.Now().After(deadline) || !sleepUntil(ctx, time.Now().Add(pollEvery)) {
			return fmt.Errorf("bench: the relay at %s did not reach the server within %s (%s)", base, relayUp, last)
		}
	}
}
