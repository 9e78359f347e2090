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
	// The hash chain (chain.go): the hash of the event before, this
	// event's, and the digest of its personal part with the salt that
	// opens it, which only full views carry.
	Prev     string `json:"prev,omitempty"`
	Hash     string `json:"hash,omitempty"`
	Personal string `json:"personal,omitempty"`
	Seal     string `json:"seal,omitempty"`
}

// Actor is who caused an event: a participant's identity as their token says,
// or the system itself (Sub "system").
type Actor struct {
	Sub  string `json:"sub"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

// LogID names one ordered log. Every room has its event log, whose Channel
// is empty, and may keep more logs beside it, such as one transcript per
// language. A store keeps all logs of a room together (in Redis, under one
// hash tag), so it can be sharded by room.
type LogID struct {
	Room    string
	Channel string
}

// RoomLog names room's event log.
func RoomLog(room string) LogID { return LogID{Room: room} }

// String is "room" for a room's event log and "room/channel" otherwise.
func (l LogID) String() string {
	if l.Channel == "" {
		return l.Room
	}
	return l.Room + "/" + l.Channel
}

// Valid reports whether l can name a log: a valid room id, and a channel
// that is empty or 1 to 64 lower-case letters, digits and '-', starting with
// a letter or digit. Stores rely on it: both parts end up in file names and
// Redis keys.
func (l LogID) Valid() bool {
	return ValidRoomID(l.Room) && (l.Channel == "" || channelPattern.MatchString(l.Channel))
}

// Store keeps the ordered logs of every room. Implementations must be
// safe for concurrent use by many goroutines and, where they are shared
// (Redis), by many processes.
type Store interface {
	// Append adds events to the end of the log, atomically and only if the
	// log's last sequence number is still expected (0 for a room with no
	// events yet). The events are numbered expected+1, expected+2, ... and
	// returned with Seq set. If the log has moved on it returns an error
	// wrapping ErrConflict and appends nothing. When Append returns nil the
	// events are durable.
	Append(ctx context.Context, log LogID, expected uint64, events []Event) ([]Event, error)

	// Read returns up to limit events of the log with Seq > after, in order
	// (limit <= 0 means all). A log with no events yields an empty slice and
	// no error.
	Read(ctx context.Context, log LogID, after uint64, limit int) ([]Event, error)

	// LastSeq returns the sequence number of the log's last event, 0 if none.
	LastSeq(ctx context.Context, log LogID) (uint64, error)

	// Rooms lists, sorted, the ids of all rooms whose event log (not any
	// other channel) has at least one event.
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
