package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/metrics"
)

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
