package rooms

import (
	"context"
	"time"
)

// Nodes is the registry of the nodes that take media now, and where a
// node that does not (it is draining) sends a room's offers instead: to
// the room's lease holder, else to a live node. A node announces its base
// URL and renews it well within ttl, like a lease, so one that dies drops
// out on its own; it withdraws at once when it starts draining. The Redis
// store implements it over the store's clock, so the nodes' clocks need
// not agree; the embedded store, one node in one process, keeps it in
// memory and holds no leases.
type Nodes interface {
	// Announce records node (its base URL) as live for ttl from now,
	// renewing an earlier announcement. It fails wrapping ErrUnavailable
	// when the store does not answer.
	Announce(ctx context.Context, node string, ttl time.Duration) error
	// Withdraw removes node from the live ones at once; withdrawing a
	// node that is not live does nothing. Errors as Announce.
	Withdraw(ctx context.Context, node string) error
	// Live returns the nodes announced within their ttl and not withdrawn
	// since, sorted. It fails wrapping ErrUnavailable when the store does
	// not answer.
	Live(ctx context.Context) ([]string, error)
	// MediaHolder returns the node whose lease (Leases) holds room's media,
	// or "" when none does. It claims nothing: it is how a node that must
	// not take the room learns where it is. Errors as Announce.
	MediaHolder(ctx context.Context, room string) (string, error)
}
