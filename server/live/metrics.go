package live

import (
	"time"

	"github.com/parley-hub/parley/server/protocol"
)

// Metrics learns what the hub does, for monitoring (package
// server/metrics implements it). Its methods are called on the hub's hot
// paths, Connected under Hub.mu: they must be quick, safe for concurrent
// use, and never call back into the hub.
type Metrics interface {
	// Connected counts a live connection of role opening (delta 1) or
	// closing (-1).
	Connected(role string, delta int)
	// Command counts a command sent over transport "live": its type
	// ("" if it could not be read), its outcome ("ok", "refused" for the
	// client's error, "error" for the server's or the store's) and how
	// long it took.
	Command(transport, typ, outcome string, took time.Duration)
	// RateLimited counts a message or connection refused for its person's
	// rate, over transport "live".
	RateLimited(transport string)
	// Delivered counts a message written to a client's socket. sent, unless
	// zero, is the server time of the room event, or if transcript of the
	// transcript segment, that it carries.
	Delivered(sent time.Time, transcript bool)
}

// stamped gives the prepared views of msg, a log entry's message, the
// server time of the event or segment they carry. The views are new and
// not yet shared, so nothing else reads them while this writes.
func stamped(v views, msg any) views {
	var at time.Time
	transcript := false
	switch m := msg.(type) {
	case protocol.Event:
		at = m.Event.Time
	case protocol.Segment:
		at, transcript = m.Segment.Updated, true
	default:
		return v
	}
	for _, pm := range []*message{v.full, v.public} {
		if pm != nil {
			pm.sent, pm.transcript = at, transcript
		}
	}
	return v
}

// connected counts c opening (delta 1) or closing (-1).
func (h *Hub) connected(c *client, delta int) {
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.Connected(c.who.Role, delta)
	}
}

// rateLimited counts a refusal for a person's rate.
func (h *Hub) rateLimited() {
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.RateLimited("live")
	}
}

// commanded counts a command of type typ that ended in err after it began
// at start.
func (h *Hub) commanded(typ string, err error, start time.Time) {
	if h.cfg.Metrics == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "refused"
		if p := h.cfg.Describe(err); p.Fault || p.Outage {
			outcome = "error"
		}
	}
	h.cfg.Metrics.Command("live", typ, outcome, time.Since(start))
}
