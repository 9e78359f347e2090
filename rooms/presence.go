package rooms

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"time"
)

// Presence counts who is connected to a room: ephemeral, never in the log.
// Total counts connections and People the people they belong to (one person
// with three tabs open is three connections and one person); the counts by
// role, mode and group count people. Summed over nodes, a person connected
// to two nodes counts on each.
type Presence struct {
	Total   int            `json:"total"`
	People  int            `json:"people"`
	ByRole  map[string]int `json:"by_role"`
	ByMode  map[string]int `json:"by_mode"`
	ByGroup map[string]int `json:"by_group"`
	// conns counts each person's connections, on the node that counts them.
	conns map[string]int
}

// NewPresence returns empty counts.
func NewPresence() Presence {
	return Presence{ByRole: map[string]int{}, ByMode: map[string]int{}, ByGroup: map[string]int{}, conns: map[string]int{}}
}

// Add counts a connection of p in (delta 1) or out (delta -1), and p with
// their first connection in and their last out.
func (pr *Presence) Add(p Participant, delta int) {
	pr.Total += delta
	before := pr.conns[p.Sub]
	bump(pr.conns, p.Sub, delta)
	if first, last := before == 0 && delta > 0, before > 0 && pr.conns[p.Sub] == 0; first || last {
		pr.People += delta
		bump(pr.ByRole, p.Role, delta)
		bump(pr.ByMode, p.Mode, delta)
		bump(pr.ByGroup, p.Group, delta)
	}
}

// Merge adds o's counts to pr's.
func (pr *Presence) Merge(o Presence) {
	pr.Total += o.Total
	pr.People += o.People
	mergeCounts(pr.ByRole, o.ByRole)
	mergeCounts(pr.ByMode, o.ByMode)
	mergeCounts(pr.ByGroup, o.ByGroup)
}

func mergeCounts(dst, src map[string]int) {
	for k, n := range src {
		bump(dst, k, n)
	}
}

// Clone returns the counts, sharing no maps with pr.
func (pr Presence) Clone() Presence {
	return Presence{Total: pr.Total, People: pr.People, ByRole: maps.Clone(pr.ByRole), ByMode: maps.Clone(pr.ByMode), ByGroup: maps.Clone(pr.ByGroup)}
}

// Equal reports whether two counts are the same.
func (pr Presence) Equal(o Presence) bool {
	return pr.Total == o.Total && pr.People == o.People && maps.Equal(pr.ByRole, o.ByRole) && maps.Equal(pr.ByMode, o.ByMode) && maps.Equal(pr.ByGroup, o.ByGroup)
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
// posts its own counts for the rooms it serves, and reads the sum over
// every node.
type PresenceBoard interface {
	// SharePresence posts node's counts for each room of local, all in one
	// round trip, and returns for each of those rooms the sum of the counts
	// every node posted that still count. Counts count until their node
	// posts them again or ttl passes by the store's own clock, so the
	// nodes' clocks need not agree and a node that dies drops out.
	SharePresence(ctx context.Context, node string, local map[string]Presence, ttl time.Duration) (map[string]Presence, error)
}

// presenceTTL is how long a node's counts live without being posted again.
const presenceTTL = 5 * time.Second

// SharePresence posts this node's counts for each room of local and
// returns each room's counts across nodes. Call it once for all rooms, not
// once per room. With a store that is not shared, or when the store fails,
// this node's counts are the rooms' (with the error).
func (s *Service) SharePresence(ctx context.Context, local map[string]Presence) (map[string]Presence, error) {
	board, ok := s.store.(PresenceBoard)
	if !ok || len(local) == 0 {
		return local, nil
	}
	all, err := board.SharePresence(ctx, s.node, local, presenceTTL)
	if err != nil {
		return local, fmt.Errorf("share presence of %d rooms: %w", len(local), err)
	}
	return all, nil
}

// newNodeID names this process among the nodes sharing a store.
func newNodeID() string { return rand.Text()[:12] }
