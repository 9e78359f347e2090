package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/parley-hub/parley/cmd/parley/internal/bench"
	"github.com/parley-hub/parley/server/protocol"
)

const benchUsage = `usage: parley bench ws [flags]
       parley bench transcript [flags]
       parley bench media [flags]

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

media publishes one Opus feed (synthetic 20 ms packets, 50 a second) over
WHIP with a venue token and subscribes --clients receivers over WHEP at
--connect-rate while it runs; once all have it, it counts --packets packets
at every subscriber: delivered, lost, out of order, with the join time (POST
to first packet), the mouth-to-ear latency (each payload carries the time
it was sent, read on arrival on the same clock) and the server's CPU per
delivered packet (--server-pid). Then, in the same run, it does the same
through a ` + "`parley relay`" + ` that it starts itself in front of the server, as a
hub would run it (the feed still goes to the server; the subscribers take
it from the relay: one more hop), unless --relay=false; and against a bare
pion forwarding loop (one TrackLocalStaticRTP, pion's default
interceptors) that it starts itself, unless --baseline=false.

Only loopback servers are loaded unless --allow-remote is given.
`

// benchCommand runs `parley bench <kind>`: ws loads a room's live events,
// transcript a transcript channel's segments. The live protocol is what has
// to scale; the HTTP API is a request per action.
func benchCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != bench.KindWS && args[0] != bench.KindTranscript && args[0] != bench.KindMedia) {
		fmt.Fprint(stderr, benchUsage)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			return flag.ErrHelp
		}
		return fmt.Errorf("bench: unknown kind %q: use ws, transcript or media", args[0])
	}
	if args[0] == bench.KindMedia && slices.Contains(args[1:], baselineServeFlag) {
		return serveBaseline(ctx, args[1:], os.Stdin, stdout, stderr)
	}
	cfg, out, err := parseBenchFlags(ctx, args[0], args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	if out.cpuProfile != "" {
		stop, err := startCPUProfile(out.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cfg.Progress = stderr
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if out.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("bench: write report: %w", err)
		}
	} else {
		rep.WriteText(stdout)
	}
	if !rep.Passed {
		return fmt.Errorf("bench: failed: %s", strings.Join(rep.Problems, "; "))
	}
	return nil
}

// benchOutput is what the command line does with a run besides making it.
type benchOutput struct {
	json       bool   // print the report as JSON
	cpuProfile string // where to write the bench's own CPU profile
}

func parseBenchFlags(ctx context.Context, kind string, args []string, getenv func(string) string, stderr io.Writer) (bench.Config, benchOutput, error) {
	fs := flag.NewFlagSet("parley bench "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage, "\nflags of parley bench ", kind, ":\n")
		fs.PrintDefaults()
	}
	cfg := bench.Config{Kind: kind}
	var out benchOutput
	rawURL := fs.String("url", "http://127.0.0.1:8080", "server base URL; ws: several, comma-separated, are nodes of one cluster the clients spread over in turn (commands go to the first)")
	secret := fs.String("secret", getenv("PARLEY_JWT_SECRET"), "HS256 secret the server verifies tokens with (env PARLEY_JWT_SECRET)")
	fs.StringVar(&cfg.Room, "room", "bench", "room to load; created with an admin token if missing")
	// A WebRTC join costs far more than a WebSocket dial; the media
	// kind's drain is for packets in flight, not events behind a queue.
	connectRate, settle, drain := 500.0, 2*time.Second, 10*time.Second
	if kind == bench.KindMedia {
		connectRate, settle, drain = 50, time.Second, 5*time.Second
	}
	fs.Float64Var(&cfg.ConnectRate, "connect-rate", connectRate, "new connections (media: subscribers) per second (constant schedule)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "cap on the driving phase (0: none beyond --events)")
	fs.DurationVar(&cfg.Timeout, "timeout", 5*time.Minute, "bound on the whole run")
	fs.DurationVar(&cfg.Settle, "settle", settle, "pause after all clients joined, before measuring memory and driving")
	fs.DurationVar(&cfg.Drain, "drain", drain, "how long deliveries may take after the last command")
	fs.DurationVar(&cfg.DialTimeout, "dial-timeout", 10*time.Second, "bound on one connection's handshake")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "pid of the server, to read its memory and CPU from /proc (same machine only)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a server that is not on the loopback")
	fs.BoolVar(&out.json, "json", false, "print the report as JSON")
	fs.StringVar(&out.cpuProfile, "cpuprofile", "", "write the bench's own CPU profile here: on a shared machine its CPU is the server's competition")
	if kind == bench.KindTranscript {
		fs.IntVar(&cfg.Clients, "clients", 5000, "viewers: live connections following the transcript")
		fs.Float64Var(&cfg.Rate, "rate", 5, "caption posts per second, each one final line (constant schedule: post i is due at start + i/rate); the server allows a captioner 20/s")
		fs.IntVar(&cfg.Events, "events", 100, "caption posts to drive, one segment each (0: drive until --duration ends)")
		fs.StringVar(&cfg.Lang, "lang", "en", "transcript channel to follow and post to")
		fs.IntVar(&cfg.Backlog, "backlog", 0, fmt.Sprintf("recent segments each viewer asks for on joining (0: the server's default, %d)", protocol.DefaultBacklog))
		fs.IntVar(&cfg.Prefill, "prefill", 0, "lines to add to the channel before the viewers connect, many to a post (10000 makes a long meeting's transcript)")
		fs.IntVar(&cfg.Late, "late", 5, "late viewers to time after the drive, each over the live protocol and over HTTP (0: none)")
		fs.IntVar(&cfg.LateBacklog, "late-backlog", protocol.MaxBacklog, fmt.Sprintf("recent segments a late viewer asks for (the server gives at most %d)", protocol.MaxBacklog))
		fs.BoolVar(&cfg.LateOnly, "late-only", false, "connect no viewers and drive nothing: prefill, then time the late viewers")
	} else if kind == bench.KindMedia {
		fs.IntVar(&cfg.Clients, "clients", 300, "WHEP subscribers, each one peer connection taking the program feed")
		fs.IntVar(&cfg.Packets, "packets", 500, "packets counted at every subscriber once all have joined (50 a second)")
		fs.BoolVar(&cfg.BaselineFirst, "baseline-first", false, "measure the bare pion loop before the server (alternate over repeats on a shared machine)")
		fs.Bool("relay", true, "measure through parley relay in front of the server too, in the same run (this binary runs it)")
		fs.Bool("baseline", true, "measure a bare pion loop after the server, in the same run (this binary serves it)")
		fs.Bool(strings.TrimPrefix(baselineServeFlag, "--"), false, "serve the bare pion loop instead of loading anything (what --baseline starts)")
	} else {
		fs.IntVar(&cfg.Clients, "clients", 5000, "live connections to open")
		fs.Float64Var(&cfg.Rate, "rate", 3.33, "commands per second (constant schedule: command i is due at start + i/rate)")
		fs.IntVar(&cfg.Events, "events", 20, "commands to drive, one event each (0: drive until --duration ends)")
		fs.StringVar(&cfg.Driver, "driver", bench.DriverAgenda, "commands to drive: agenda (set_agenda_item with a new title: small events) or hand (the driver raises and withdraws a hand: events carry the queue and balance)")
		fs.BoolVar(&cfg.Idle, "idle", false, "connect, hold for --settle, measure memory, disconnect; drive nothing")
		fs.BoolVar(&cfg.Watch, "watch", false, "drive nothing: expect the --events events another bench drives once these clients joined, waiting up to --drain (to hold more clients than one process may)")
		fs.BoolVar(&cfg.Centrifugo, "centrifugo", false, "load a Centrifugo server at --url instead, for comparison: its JSON protocol, --secret its HMAC secret, --room its channel, publications through its HTTP API")
		fs.StringVar(&cfg.CentrifugoAPIKey, "centrifugo-api-key", getenv("CENTRIFUGO_HTTP_API_KEY"), "with --centrifugo: the key of its HTTP API (env CENTRIFUGO_HTTP_API_KEY)")
	}
	if err := fs.Parse(args); err != nil {
		return bench.Config{}, benchOutput{}, err
	}
	if fs.NArg() > 0 {
		return bench.Config{}, benchOutput{}, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	cfg.Secret = []byte(*secret)
	for i, raw := range strings.Split(*rawURL, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			return bench.Config{}, benchOutput{}, fmt.Errorf("bench: --url: %w", err)
		}
		if i == 0 {
			cfg.BaseURL = u
		} else {
			cfg.Nodes = append(cfg.Nodes, u)
		}
	}
	if kind == bench.KindMedia {
		// This binary runs the relay and the bare loop the run measures.
		exe, err := os.Executable()
		if err != nil {
			return bench.Config{}, benchOutput{}, fmt.Errorf("bench: media: %w", err)
		}
		if fs.Lookup("relay").Value.String() == "true" {
			cfg.RelayCommand = []string{exe, "relay"}
		}
		if fs.Lookup("baseline").Value.String() == "true" {
			cfg.BaselineCommand = []string{exe, "bench", bench.KindMedia, baselineServeFlag}
		}
	}
	return cfg, out, cfg.Validate(ctx)
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
