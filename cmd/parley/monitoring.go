package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/metrics"
)

// logFormats are --log-format's values.
var logFormats = map[string]func(io.Writer, *slog.HandlerOptions) slog.Handler{
	"text": func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(w, o) },
	"json": func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(w, o) },
}

// newLogger logs to w in format at level, every line with the node's id
// and, within a request, its request_id.
func newLogger(w io.Writer, format string, level slog.Level, node string) *slog.Logger {
	h := logFormats[format](w, &slog.HandlerOptions{Level: level})
	return slog.New(server.LogHandler(h, slog.String("node", node)))
}

// defaultNodeID is the host's name, which tells nodes apart in most
// deployments.
func defaultNodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "parley"
	}
	return host
}

// metricsServer serves /metrics on an address of its own (--metrics-addr),
// apart from the public port: Prometheus scrapes without a token, so the
// address should be one only the monitoring network reaches.
type metricsServer struct {
	srv  *http.Server
	errc chan error
}

// serveMetrics listens on addr and serves m's /metrics there.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: --metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(log))
	ms := &metricsServer{srv: server.HTTPServer(mux, server.DefaultHTTPLimits, log), errc: make(chan error, 1)}
	log.Info("parley metrics listening", "addr", ln.Addr().String())
	go func() { ms.errc <- ms.srv.Serve(ln) }()
	return ms, nil
}

// shutdown stops the metrics server, waiting up to ctx for scrapes under
// way.
func (ms *metricsServer) shutdown(ctx context.Context) error {
	if err := ms.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("serve: metrics shutdown: %w", err)
	}
	<-ms.errc
	return nil
}
