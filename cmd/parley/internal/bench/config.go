package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// The kinds of load: a room's events, or a transcript channel's segments.
const (
	KindWS         = "ws"
	KindTranscript = "transcript"
	KindMedia      = "media"
)

// Config is everything one run needs. Its errors name the flags of
// `parley bench`, which fills it.
type Config struct {
	Kind    string // KindWS, KindTranscript or KindMedia
	BaseURL *url.URL
	// Nodes are further servers of the same cluster (one Redis): client i
	// dials node i mod (1+len(Nodes)), BaseURL being node 0, and the
	// commands go to BaseURL.
	Nodes       []*url.URL
	Secret      []byte
	Room        string
	Clients     int
	ConnectRate float64 // dials per second
	Rate        float64 // commands per second
	Events      int     // commands to drive; 0 with a Duration means "until the Duration ends"
	Driver      string  // which commands: DriverAgenda or DriverHand
	Duration    time.Duration
	Timeout     time.Duration
	Settle      time.Duration // pause after connecting, before measuring and driving
	Drain       time.Duration // how long deliveries may take after the last command
	DialTimeout time.Duration
	Idle        bool
	ServerPID   int
	AllowRemote bool
	// Progress hears what the run is doing, a line per phase; nil: nothing.
	Progress io.Writer
	// Centrifugo has the ws kind load a Centrifugo server at BaseURL
	// instead (centrifugo.go): Secret is its HMAC secret, Room its
	// channel, and CentrifugoAPIKey the key of its HTTP API.
	Centrifugo       bool
	CentrifugoAPIKey string
	// Watch drives nothing: the clients expect Events events that another
	// run drives, right after they joined (a bench process holds at most
	// its descriptor limit of clients; two, one driving, hold twice that).
	Watch bool

	// The transcript kind's: Clients are its viewers and Events its posts.
	Lang        string // the channel followed and posted to
	Backlog     int    // segments each viewer asks for on joining; 0: the server's default
	Prefill     int    // lines to add, batched, before the viewers connect
	Late        int    // late joins to time, each over the live protocol and over HTTP
	LateBacklog int    // segments a late viewer asks for
	LateOnly    bool   // no viewers and no drive: prefill, then the late joins

	// The media kind's: Clients are WHEP subscribers joining at ConnectRate
	// while the feed runs, then Packets are measured.
	Packets int // packets of the feed counted once every subscriber joined
	// Baseline is the bare pion loop measured after the server in the same
	// run: a command that serves it (BaselineCommand, started and stopped by
	// the run) or one already serving (BaselineURL, BaselinePID); neither:
	// the server alone.
	BaselineCommand []string
	BaselineURL     *url.URL
	BaselinePID     int
	// BaselineFirst measures the bare loop before the server: alternating
	// the order over repeats evens out a shared machine's changing load.
	BaselineFirst bool
	// Relay is `parley relay` in front of the server, measured after it in
	// the same run with the subscribers on the relay: a command that runs
	// it (RelayCommand; the run adds --upstream, --addr and --data, and
	// gives it a hub token and a local secret, and stops it after its
	// turn) or one already serving (RelayURL, in front of BaseURL, whose
	// local members' tokens RelaySecret signs; RelayPID); neither: no
	// relay.
	RelayCommand []string
	RelayURL     *url.URL
	RelaySecret  []byte
	RelayPID     int
}

// transcript says whether the run loads a transcript channel.
func (cfg Config) transcript() bool { return cfg.Kind == KindTranscript }

// media says whether the run loads the media plane.
func (cfg Config) media() bool { return cfg.Kind == KindMedia }

// relay says whether the media kind measures through a relay too.
func (cfg Config) relay() bool { return len(cfg.RelayCommand) > 0 || cfg.RelayURL != nil }

// driving says whether the run has viewers or clients receive a drive.
func (cfg Config) driving() bool { return !cfg.Idle && !cfg.LateOnly }

// commanding says whether the run sends the drive's commands itself.
func (cfg Config) commanding() bool { return cfg.driving() && !cfg.Watch }

// nodes are the servers the clients spread over: BaseURL, then Nodes.
func (cfg Config) nodes() []*url.URL { return append([]*url.URL{cfg.BaseURL}, cfg.Nodes...) }

// Validate checks the configuration before anything connects, including
// that the target is this machine's loopback unless remote load is allowed.
func (cfg Config) Validate(ctx context.Context) error {
	switch {
	case cfg.Kind != KindWS && cfg.Kind != KindTranscript && cfg.Kind != KindMedia:
		return fmt.Errorf("bench: unknown kind %q: use ws, transcript or media", cfg.Kind)
	case len(cfg.Secret) == 0:
		return errors.New("bench: --secret (or PARLEY_JWT_SECRET) is required to mint tokens")
	case cfg.Clients < 1 && !cfg.LateOnly:
		return errors.New("bench: --clients must be at least 1")
	case cfg.ConnectRate <= 0:
		return errors.New("bench: --connect-rate must be positive")
	case cfg.Timeout <= 0:
		return errors.New("bench: --timeout must be positive: every run is bounded")
	case cfg.DialTimeout <= 0 || cfg.Settle < 0 || cfg.Drain < 0 || cfg.Duration < 0:
		return errors.New("bench: durations must not be negative, and --dial-timeout must be positive")
	}
	if cfg.media() {
		return cfg.validateMedia(ctx)
	}
	if (cfg.Centrifugo || cfg.Watch || len(cfg.Nodes) > 0) && cfg.Kind != KindWS {
		return errors.New("bench: --centrifugo, --watch and several --url are of the ws kind only")
	}
	if cfg.Centrifugo && (cfg.CentrifugoAPIKey == "" || cfg.Watch || len(cfg.Nodes) > 0) {
		return errors.New("bench: --centrifugo needs --centrifugo-api-key, and one server, driven by this run")
	}
	if cfg.driving() {
		if cfg.Rate <= 0 {
			return errors.New("bench: --rate must be positive")
		}
		if cfg.Events < 0 || (cfg.Events == 0 && cfg.Duration == 0) {
			return errors.New("bench: give --events, or --events 0 with a --duration: the drive must end by itself")
		}
	}
	if cfg.transcript() {
		if err := cfg.validateTranscript(); err != nil {
			return err
		}
	} else if !cfg.Idle && !cfg.Centrifugo {
		if _, ok := driverCommands[cfg.Driver]; !ok {
			return fmt.Errorf("bench: --driver %q: use %s or %s", cfg.Driver, DriverAgenda, DriverHand)
		}
	}
	for _, u := range cfg.nodes() {
		if err := checkTarget(ctx, u, cfg.AllowRemote); err != nil {
			return err
		}
	}
	return nil
}

// checkTarget refuses anything but a plain http(s) base URL on the loopback:
// a load tool pointed at someone else's server by a typo is an attack.
func checkTarget(ctx context.Context, u *url.URL, allowRemote bool) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("bench: --url %q: use http:// or https://", u.String())
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("bench: --url %q: give only scheme, host, port and an optional path prefix", u.String())
	}
	if allowRemote {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("bench: --url %q is not on the loopback: pass --allow-remote only for a server you run", u.String())
		}
		return nil
	}
	if host != "localhost" {
		return fmt.Errorf("bench: --url %q: use a loopback address (127.0.0.1, ::1, localhost) or --allow-remote", u.String())
	}
	// localhost usually resolves to the loopback; make sure it does here.
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(rctx, host)
	if err != nil {
		return fmt.Errorf("bench: resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return fmt.Errorf("bench: localhost resolves to %s, which is not a loopback address", a.IP)
		}
	}
	return nil
}

// wsURL is client i's live endpoint: the room's on its node, or
// Centrifugo's.
func (cfg Config) wsURL(i int) string {
	nodes := cfg.nodes()
	u := *nodes[i%len(nodes)]
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	if cfg.Centrifugo {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/connection/websocket"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/rooms/" + url.PathEscape(cfg.Room) + "/ws"
	}
	return u.String()
}

// apiURL is path under the base URL's API.
func (cfg Config) apiURL(path string) string {
	u := *cfg.BaseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1" + path
	return u.String()
}
