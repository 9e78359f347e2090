package server

import (
	"log/slog"
	"net/http"
	"time"
)

// HTTPLimits bound what one client connection may hold of the server. A
// WebSocket is exempt once upgraded: the upgrade clears the connection's
// deadlines and the live protocol's pings and pong wait take over.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds the request line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the whole request, body included: a body dripped
	// a byte at a time is cut off.
	ReadTimeout time.Duration
	// WriteTimeout bounds the answer, from the end of the headers; a
	// client that does not read it in that time is dropped.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; more is 431.
	MaxHeaderBytes int
}

// DefaultHTTPLimits suit people on poor links: a command or a 64 KiB
// caption post arrives well within ReadTimeout, and the largest export
// (10,000 segments, some 2 MB) needs about 17 KB/s to beat WriteTimeout.
// Tokens are the largest headers, about a kilobyte.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      2 * time.Minute,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    32 << 10,
}

// HTTPServer is the http.Server that serves h within limits, logging its
// connection errors to log at WARN.
func HTTPServer(h http.Handler, limits HTTPLimits, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		WriteTimeout:      limits.WriteTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
