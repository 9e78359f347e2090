package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/parley-hub/parley/cmd/parley/internal/bench"
	"github.com/parley-hub/parley/server/media/bareloop"
)

// baselineServeFlag makes `parley bench media` serve the bare pion loop
// that the media kind measures the server against; the bench starts it so.
const baselineServeFlag = "--baseline-serve"

// serveBaseline serves the bare pion loop on --listen (loopback, any port)
// until stdin ends or ctx is done, having printed bench.BaselineReady and
// its URL on stdout.
func serveBaseline(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley bench media "+baselineServeFlag, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool(baselineServeFlag[2:], true, "serve the bare pion loop")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := bareloop.New(bareloop.Config{Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", baselineServeFlag, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "%shttp://%s\n", bench.BaselineReady, ln.Addr())
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(ended)
	}()
	select {
	case <-ended:
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("bench: %s: %w", baselineServeFlag, err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("bench: %s: %w", baselineServeFlag, err)
	}
	return nil
}
