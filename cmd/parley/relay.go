package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/media/relaymedia"
	"github.com/parley-hub/parley/server/relay"
)

// relayConfig is `parley relay`'s command line.
type relayConfig struct {
	Upstream, Token, Addr, Secret, DataDir string
	logConfig
	ShutdownWait time.Duration
	// AudioOnly never asks upstream for video; ICEServers are the relay's
	// own STUN and TURN servers for its upstream sessions.
	AudioOnly  bool
	ICEServers []media.ICEServer
}

func parseRelayFlags(args []string, getenv func(string) string, stderr io.Writer) (relayConfig, error) {
	fs := flag.NewFlagSet("parley relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg relayConfig
	fs.StringVar(&cfg.Upstream, "upstream", "", "the main server's base URL, such as https://main.example (required)")
	fs.StringVar(&cfg.Token, "token", getenv("PARLEY_HUB_TOKEN"), "the hub's token for the main server, which names the room (env PARLEY_HUB_TOKEN; required)")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to serve the hub's network on")
	fs.StringVar(&cfg.Secret, "secret", getenv("PARLEY_RELAY_SECRET"), "HS256 secret of the tokens the relay accepts from the hub's members (env PARLEY_RELAY_SECRET); without one, a secret is kept in the data directory")
	fs.StringVar(&cfg.DataDir, "data", "./relay-data", "directory of the relay's own secret")
	addLogFlags(fs, &cfg.logConfig, getenv)
	fs.DurationVar(&cfg.ShutdownWait, "shutdown-wait", 10*time.Second, "how long to let requests finish on shutdown")
	fs.BoolVar(&cfg.AudioOnly, "audio-only", false, "never take the plenary's video upstream, only its audio (without it the relay drops video by itself when the link cannot carry it)")
	fs.Func("ice-server", "a STUN or TURN server for the relay's own upstream sessions, besides those the main server names: stun:HOST:PORT or turn:HOST:PORT,USERNAME,CREDENTIAL (repeatable)", func(v string) error {
		ice, err := parseICEServer(v)
		if err == nil && ice.Ephemeral() {
			err = fmt.Errorf("--ice-server %s: the relay has no TURN secret: give its USERNAME,CREDENTIAL", ice.URL)
		}
		cfg.ICEServers = append(cfg.ICEServers, ice)
		return err
	})
	if err := fs.Parse(args); err != nil {
		return relayConfig{}, err
	}
	switch {
	case fs.NArg() > 0:
		return relayConfig{}, fmt.Errorf("relay: unexpected argument %q", fs.Arg(0))
	case cfg.Upstream == "":
		return relayConfig{}, errors.New("relay: --upstream is required: the main server's base URL")
	case cfg.Token == "":
		return relayConfig{}, errors.New("relay: --token (or PARLEY_HUB_TOKEN) is required: the hub's token for the main server")
	}
	if err := cfg.logConfig.check(); err != nil {
		return relayConfig{}, fmt.Errorf("relay: %w", err)
	}
	return cfg, nil
}

// runRelay relays the hub token's room until ctx is cancelled.
func runRelay(ctx context.Context, cfg relayConfig, stderr io.Writer) error {
	log := cfg.logger(stderr)
	secret := []byte(cfg.Secret)
	if len(secret) == 0 {
		var path string
		var err error
		if secret, path, _, err = devSecret(cfg.DataDir); err != nil {
			return err
		}
		log.Warn("no --secret given: local members' tokens are checked against the secret kept in the data directory",
			"file", path, "hint", "parley token --secret \"$(cat "+path+")\" issues them")
	}
	verifier, err := auth.NewVerifier(secret, nil)
	if err != nil {
		return err
	}
	// The main server's answers name its TURN servers: a hub behind a
	// strict firewall reaches the media through them.
	opts := mediaclient.Options{LearnICEServers: true}
	for _, ice := range cfg.ICEServers {
		opts.AddICEServer(ice.URL, ice.Username, ice.Credential)
	}
	client, err := mediaclient.New(opts)
	if err != nil {
		return err
	}
	feed, err := relaymedia.New(relaymedia.Config{})
	if err != nil {
		return err
	}
	defer feed.Close()
	r, err := relay.New(relay.Config{Upstream: cfg.Upstream, Token: cfg.Token, Local: verifier, Log: log, Media: &relay.Media{Client: client, Feed: feed, AudioOnly: cfg.AudioOnly}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	log.Info("parley relay listening", "addr", ln.Addr().String(), "room", r.Room(), "upstream", cfg.Upstream)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		r.Run(runCtx)
	}()
	srv := server.HTTPServer(r.Handler(), server.DefaultHTTPLimits, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
		err = fmt.Errorf("relay: %w", err)
	case <-ctx.Done():
	}
	stop()
	<-ran
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownWait)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = fmt.Errorf("relay: shutdown: %w", serr)
	}
	if err == nil {
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
			err = fmt.Errorf("relay: %w", serr)
		}
	}
	return err
}
