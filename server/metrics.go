package server

import (
	"time"
)

// Metrics learns what the server does, for monitoring (package
// server/metrics implements it). Its methods must be quick and safe for
// concurrent use.
type Metrics interface {
	// Request counts an HTTP request of route, the pattern the mux matched
	// ("" for none), answered with status after took.
	Request(route string, status int, took time.Duration)
	// Command counts a command sent over transport "http": its type (""
	// if it could not be read), its outcome ("ok", "refused" for the
	// client's error, "error" for the server's or the store's) and how
	// long it took.
	Command(transport, typ, outcome string, took time.Duration)
	// RateLimited counts a request refused for its person's rate, over
	// transport "http".
	RateLimited(transport string)
}

// commanded counts a command of type typ that ended in err after it began
// at start.
func (s *Server) commanded(typ string, err error, start time.Time) {
	if s.metrics == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "refused"
		if p := describe(err); p.serverFault || p.outage {
			outcome = "error"
		}
	}
	s.metrics.Command("http", typ, outcome, time.Since(start))
}
