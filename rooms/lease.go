package rooms

import (
	"context"
	"time"
)

// Leases name, for each room, the one node that holds its media (WebRTC
// sessions cannot move between nodes), so that the others send clients
// there. A lease lapses unless renewed within its ttl, so a node that dies
// frees its rooms. The Redis store implements it; with the embedded store
// there is one node and no lease.
type Leases interface {
	// ClaimMedia makes node the holder of room's media for ttl, unless
	// another node holds it, and returns the holder: node itself when it
	// claimed or renewed the lease. It fails wrapping ErrUnavailable when
	// the store does not answer.
	ClaimMedia(ctx context.Context, room, node string, ttl time.Duration) (holder string, err error)
	// ReleaseMedia gives up room's lease if node holds it.
	ReleaseMedia(ctx context.Context, room, node string) error
}
