package live

import (
	"runtime"
	"sync"
	"time"
	"weak"

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

// stamps remember the server time of each room event's and transcript
// segment's prepared messages, so that a client's writer can say how
// long the entry took to reach its socket. An entry leaves the table when
// its message is garbage (a weak key and a cleanup), so resumes and slow
// clients find it however long it waits in their queues.
type stamps struct {
	m    Metrics
	sent sync.Map // weak.Pointer[message] → stamp
}

type stamp struct {
	at         time.Time
	transcript bool
}

// newStamps is nil (no stamping, nothing counted) without m.
func newStamps(m Metrics) *stamps {
	if m == nil {
		return nil
	}
	return &stamps{m: m}
}

// add stamps the prepared views of msg, a log entry's message.
func (s *stamps) add(v views, msg any) {
	if s == nil {
		return
	}
	var st stamp
	switch m := msg.(type) {
	case protocol.Event:
		st.at = m.Event.Time
	case protocol.Segment:
		st = stamp{at: m.Segment.Updated, transcript: true}
	default:
		return
	}
	s.keep(v.full, st)
	if v.public != v.full {
		s.keep(v.public, st)
	}
}

func (s *stamps) keep(pm *message, st stamp) {
	if pm == nil {
		return
	}
	key := weak.Make(pm)
	s.sent.Store(key, st)
	runtime.AddCleanup(pm, func(k weak.Pointer[message]) { s.sent.Delete(k) }, key)
}

// wrote counts pm written to a client's socket.
func (s *stamps) wrote(pm *message) {
	if s == nil {
		return
	}
	st, _ := s.sent.Load(weak.Make(pm))
	at, _ := st.(stamp)
	s.m.Delivered(at.at, at.transcript)
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
