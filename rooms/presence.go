package rooms

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"time"
)

// Presence counts who is connected to a room: ephemeral, never in the log.
type Presence struct {
	Total   int            `json:"total"`
	ByRole  map[string]int `json:"by_role"`
	ByMode  map[string]int `json:"by_mode"`
	ByGroup map[string]int `json:"by_group"`
}

// NewPresence returns empty counts.
func NewPresence() Presence {
	return Presence{ByRole: map[string]int{}, ByMode: map[string]int{}, ByGroup: map[string]int{}}
}

// Add counts p in (delta 1) or out (delta -1).
func (pr *Presence) Add(p Participant, delta int) {
	pr.Total += delta
	bump(pr.ByRole, p.Role, delta)
	bump(pr.ByMode, p.Mode, delta)
	bump(pr.ByGroup, p.Group, delta)
}

// Merge adds o's counts to pr's.
func (pr *Presence) Merge(o Presence) {
	pr.Total += o.Total
	mergeCounts(pr.ByRole, o.ByRole)
	mergeCounts(pr.ByMode, o.ByMode)
	mergeCounts(pr.ByGroup, o.ByGroup)
}

func mergeCounts(dst, src map[string]int) {
	for k, n := range src {
		bump(dst, k, n)
	}
}

// Clone returns a copy that shares no maps with pr.
func (pr Presence) Clone() Presence {
	return Presence{Total: pr.Total, ByRole: maps.Clone(pr.ByRole), ByMode: maps.Clone(pr.ByMode), ByGroup: maps.Clone(pr.ByGroup)}
}

// Equal reports whether two counts are the same.
func (pr Presence) Equal(o Presence) bool {
	return pr.Total == o.Total && maps.Equal(pr.ByRole, o.ByRole) && maps.Equal(pr.ByMode, o.ByMode) && maps.Equal(pr.ByGroup, o.ByGroup)
}

func bump(m map[string]int, key string, delta int) {
	if key == "" {
		return
	}
	if m[key] += delta; m[key] <= 0 {
		delete(m, key)
	}
}

// PresenceBoard is implemented by stores shared between nodes: each node
// posts its own counts for a room, and anyone reads the sum.
type PresenceBoard interface {
	// PostPresence records node's counts for room; they count until they
	// are posted again or ttl passes, so a node that dies drops out.
	PostPresence(ctx context.Context, room, node string, p Presence, ttl time.Duration) error
	// RoomPresence sums the live counts of every node for room.
	RoomPresence(ctx context.Context, room string) (Presence, error)
}

// presenceTTL is how long a node's counts live without being posted again.
const presenceTTL = 5 * time.Second

// SharePresence posts this node's counts for room and returns the room's
// counts across nodes. With a store that is not shared, this node's counts
// are the room's.
func (s *Service) SharePresence(ctx context.Context, room string, local Presence) (Presence, error) {
	board, ok := s.store.(PresenceBoard)
	if !ok {
		return local, nil
	}
	if err := board.PostPresence(ctx, room, s.node, local, presenceTTL); err != nil {
		return local, fmt.Errorf("room %q: post presence: %w", room, err)
	}
	all, err := board.RoomPresence(ctx, room)
	if err != nil {
		return local, fmt.Errorf("room %q: read presence: %w", room, err)
	}
	return all, nil
}

// newNodeID names this process among the nodes sharing a store.
func newNodeID() string { return rand.Text()[:12] }
