package filestore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/parley-hub/parley/rooms"
)

var _ rooms.Nodes = (*Store)(nil)

// nodeBoard is the registry of live nodes of an embedded store: the nodes
// sharing it live in its process, so it lives in memory. Its zero value
// is empty.
type nodeBoard struct {
	mu    sync.Mutex
	lapse map[string]time.Time // by node
}

// Announce implements rooms.Nodes.
func (s *Store) Announce(_ context.Context, node string, ttl time.Duration) error {
	b := &s.nodes
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lapse == nil {
		b.lapse = map[string]time.Time{}
	}
	b.lapse[node] = time.Now().Add(ttl)
	return nil
}

// Withdraw implements rooms.Nodes.
func (s *Store) Withdraw(_ context.Context, node string) error {
	b := &s.nodes
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.lapse, node)
	return nil
}

// Live implements rooms.Nodes.
func (s *Store) Live(context.Context) ([]string, error) {
	b := &s.nodes
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	var live []string
	for node, lapse := range b.lapse {
		if now.Before(lapse) {
			live = append(live, node)
		} else {
			delete(b.lapse, node)
		}
	}
	slices.Sort(live)
	return live, nil
}

// MediaHolder implements rooms.Nodes: the embedded store holds no media
// leases (one node serves every room).
func (s *Store) MediaHolder(context.Context, string) (string, error) { return "", nil }
