package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime/pprof"
	"strings"
	"time"
)

const benchUsage = `usage: parley bench ws [flags]
       parley bench transcript [flags]

ws opens --clients live connections to one room of a running server, drives
--events commands at a constant --rate through the chair's HTTP API, and
reports whether every event reached every client and how late.
With --idle it only connects, holds and measures the server's memory.

transcript opens --clients viewers that follow the --lang transcript over
the live protocol, has a captioner POST --events lines at a constant --rate
to the captions API (one final segment per post), and reports whether every
segment reached every viewer once, in order, and how late. Then it times
--late new viewers fetching the last --late-backlog segments, over the live
protocol and over HTTP. --prefill first adds that many lines, batched, so the
channel holds a long meeting's transcript; --late-only skips the viewers.

Only loopback servers are loaded unless --allow-remote is given.
`

// The kinds of load: a room's events, or a transcript channel's segments.
const (
	benchWS         = "ws"
	benchTranscript = "transcript"
)

// benchConfig is everything one `parley bench` run needs.
type benchConfig struct {
	Kind        string // benchWS or benchTranscript
	BaseURL     *url.URL
	Secret      []byte
	Room        string
	Clients     int
	ConnectRate float64 // dials per second
	Rate        float64 // commands per second
	Events      int     // commands to drive; 0 with a Duration means "until the Duration ends"
	Driver      string  // which commands: see driverCommands
	Duration    time.Duration
	Timeout     time.Duration
	Settle      time.Duration // pause after connecting, before measuring and driving
	Drain       time.Duration // how long deliveries may take after the last command
	DialTimeout time.Duration
	Idle        bool
	ServerPID   int
	AllowRemote bool
	JSON        bool
	CPUProfile  string // where to write the bench's own CPU profile

	// The transcript kind's: Clients are its viewers and Events its posts.
	Lang        string // the channel followed and posted to
	Backlog     int    // segments each viewer asks for on joining; 0: the server's default
	Prefill     int    // lines to add, batched, before the viewers connect
	Late        int    // late joins to time, each over the live protocol and over HTTP
	LateBacklog int    // segments a late viewer asks for
	LateOnly    bool   // no viewers and no drive: prefill, then the late joins
}

// transcript says whether the run loads a transcript channel.
func (cfg benchConfig) transcript() bool { return cfg.Kind == benchTranscript }

// driving says whether the run has viewers or clients receive a drive.
func (cfg benchConfig) driving() bool { return !cfg.Idle && !cfg.LateOnly }

// benchCommand runs `parley bench <kind>`: ws loads a room's live events,
// transcript a transcript channel's segments. The live protocol is what has
// to scale; the HTTP API is a request per action.
func benchCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != benchWS && args[0] != benchTranscript) {
		fmt.Fprint(stderr, benchUsage)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			return flag.ErrHelp
		}
		return fmt.Errorf("bench: unknown kind %q: use ws or transcript", args[0])
	}
	cfg, err := parseBenchFlags(args[0], args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	rep, err := runBench(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("bench: write report: %w", err)
		}
	} else {
		rep.writeText(stdout)
	}
	if !rep.Passed {
		return fmt.Errorf("bench: failed: %s", strings.Join(rep.Problems, "; "))
	}
	return nil
}

func parseBenchFlags(kind string, args []string, getenv func(string) string, stderr io.Writer) (benchConfig, error) {
	fs := flag.NewFlagSet("parley bench "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage, "\nflags of parley bench ", kind, ":\n")
		fs.PrintDefaults()
	}
	cfg := benchConfig{Kind: kind}
	rawURL := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	secret := fs.String("secret", getenv("PARLEY_JWT_SECRET"), "HS256 secret the server verifies tokens with (env PARLEY_JWT_SECRET)")
	fs.StringVar(&cfg.Room, "room", "bench", "room to load; created with an admin token if missing")
	fs.Float64Var(&cfg.ConnectRate, "connect-rate", 500, "new connections per second (constant schedule)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "cap on the driving phase (0: none beyond --events)")
	fs.DurationVar(&cfg.Timeout, "timeout", 5*time.Minute, "bound on the whole run")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "pause after all clients joined, before measuring memory and driving")
	fs.DurationVar(&cfg.Drain, "drain", 10*time.Second, "how long deliveries may take after the last command")
	fs.DurationVar(&cfg.DialTimeout, "dial-timeout", 10*time.Second, "bound on one connection's handshake")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "pid of the server, to read its memory and CPU from /proc (same machine only)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a server that is not on the loopback")
	fs.BoolVar(&cfg.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write the bench's own CPU profile here: on a shared machine its CPU is the server's competition")
	if kind == benchTranscript {
		fs.IntVar(&cfg.Clients, "clients", 5000, "viewers: live connections following the transcript")
		fs.Float64Var(&cfg.Rate, "rate", 5, "caption posts per second, each one final line (constant schedule: post i is due at start + i/rate); the server allows a captioner 20/s")
		fs.IntVar(&cfg.Events, "events", 100, "caption posts to drive, one segment each (0: drive until --duration ends)")
		fs.StringVar(&cfg.Lang, "lang", "en", "transcript channel to follow and post to")
		fs.IntVar(&cfg.Backlog, "backlog", 0, "recent segments each viewer asks for on joining (0: the server's default, 500)")
		fs.IntVar(&cfg.Prefill, "prefill", 0, "lines to add to the channel before the viewers connect, many to a post (10000 makes a long meeting's transcript)")
		fs.IntVar(&cfg.Late, "late", 5, "late viewers to time after the drive, each over the live protocol and over HTTP (0: none)")
		fs.IntVar(&cfg.LateBacklog, "late-backlog", 10000, "recent segments a late viewer asks for (the server gives at most 10000)")
		fs.BoolVar(&cfg.LateOnly, "late-only", false, "connect no viewers and drive nothing: prefill, then time the late viewers")
	} else {
		fs.IntVar(&cfg.Clients, "clients", 5000, "live connections to open")
		fs.Float64Var(&cfg.Rate, "rate", 3.33, "commands per second (constant schedule: command i is due at start + i/rate)")
		fs.IntVar(&cfg.Events, "events", 20, "commands to drive, one event each (0: drive until --duration ends)")
		fs.StringVar(&cfg.Driver, "driver", driverAgenda, "commands to drive: agenda (set_agenda_item with a new title: small events) or hand (the driver raises and withdraws a hand: events carry the queue and balance)")
		fs.BoolVar(&cfg.Idle, "idle", false, "connect, hold for --settle, measure memory, disconnect; drive nothing")
	}
	if err := fs.Parse(args); err != nil {
		return benchConfig{}, err
	}
	if fs.NArg() > 0 {
		return benchConfig{}, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	cfg.Secret = []byte(*secret)
	u, err := url.Parse(*rawURL)
	if err != nil {
		return benchConfig{}, fmt.Errorf("bench: --url: %w", err)
	}
	cfg.BaseURL = u
	return cfg, cfg.validate(context.Background())
}

// validate checks the configuration before anything connects, including
// that the target is this machine's loopback unless remote load is allowed.
func (cfg benchConfig) validate(ctx context.Context) error {
	switch {
	case cfg.Kind != benchWS && cfg.Kind != benchTranscript:
		return fmt.Errorf("bench: unknown kind %q: use ws or transcript", cfg.Kind)
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
	} else if !cfg.Idle {
		if _, ok := driverCommands[cfg.Driver]; !ok {
			return fmt.Errorf("bench: --driver %q: use %s or %s", cfg.Driver, driverAgenda, driverHand)
		}
	}
	return checkTarget(ctx, cfg.BaseURL, cfg.AllowRemote)
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

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// wsURL is the live endpoint of room under the base URL.
func (cfg benchConfig) wsURL() string {
	u := *cfg.BaseURL
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/rooms/" + url.PathEscape(cfg.Room) + "/ws"
	return u.String()
}

// apiURL is path under the base URL's API.
func (cfg benchConfig) apiURL(path string) string {
	u := *cfg.BaseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1" + path
	return u.String()
}
