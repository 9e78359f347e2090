package rooms

import (
	"context"
	"encoding/json"
	"time"
)

// Event is one entry of a room's log. The store assigns Seq; everything else
// is set by the room before appending.
type Event struct {
	Seq   uint64          `json:"seq"`
	Time  time.Time       `json:"time"`
	Actor Actor           `json:"actor"`
	Type  string          `json:"type"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Actor is who caused an event: a participant's identity as their token says,
// or the system itself (Sub "system").
type Actor struct {
	Sub  string `json:"sub"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

// Store keeps the ordered event log of every room. Implementations must be
// safe for concurrent use by many goroutines and, where they are shared
// (Redis), by many processes.
type Store interface {
	// Append adds events to the end of room's log, atomically and only if the
	// log's last sequence number is still expected (0 for a room with no
	// events yet). The events are numbered expected+1, expected+2, ... and
	// returned with Seq set. If the log has moved on it returns an error
	// wrapping ErrConflict and appends nothing. When Append returns nil the
	// events are durable.
	Append(ctx context.Context, room string, expected uint64, events []Event) ([]Event, error)

	// Read returns up to limit events of room with Seq > after, in order
	// (limit <= 0 means all). A room with no events yields an empty slice and
	// no error.
	Read(ctx context.Context, room string, after uint64, limit int) ([]Event, error)

	// LastSeq returns the sequence number of room's last event, 0 if none.
	LastSeq(ctx context.Context, room string) (uint64, error)

	// Rooms lists the ids of all rooms that have at least one event, sorted.
	Rooms(ctx context.Context) ([]string, error)

	// Ping reports whether the store is reachable and writable.
	Ping(ctx context.Context) error

	// Close releases the store's resources.
	Close() error
}

// BalanceMirror is implemented by stores that keep a copy of each room's
// balance figures where other tools can read them (Redis hashes). The room
// calls it after every successful append; a failure is logged, not fatal,
// because the log remains the record.
type BalanceMirror interface {
	// MirrorBalance replaces the mirrored figures of room with b, which
	// reflects the log up to and including seq.
	MirrorBalance(ctx context.Context, room string, seq uint64, b Balance) error
}
