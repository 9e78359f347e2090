package media

import (
	"context"
	"fmt"
	"hash/fnv"
)

// nodeTTL is how long this node's announcement in Config.Nodes lasts
// unless renewed; like a lease it is renewed three times as often, so a
// node that dies drops out of the live ones within nodeTTL.
const nodeTTL = leaseTTL

// announce keeps this node in Config.Nodes until the stop it returns,
// which waits for the last renewal to end; without Nodes it does nothing.
func (p *Plane) announce() (stop func()) {
	if p.cfg.Nodes == nil {
		return func() {}
	}
	return renewing(nodeTTL/3, func(bool) {
		ctx, cancel := context.WithTimeout(context.Background(), nodeTTL/3)
		defer cancel()
		if err := p.cfg.Nodes.Announce(ctx, p.cfg.Node, nodeTTL); err != nil {
			p.log.Warn("media: announcing this node", "node", p.cfg.Node, "err", err)
		}
	}, func() {})
}

// leaveNodes stops announcing this node and withdraws it from Config.Nodes,
// so that no other draining node sends offers here; the first call does.
func (p *Plane) leaveNodes(ctx context.Context) {
	p.mu.Lock()
	stop := p.unannounce
	p.unannounce = nil
	p.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	if p.cfg.Nodes == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, nodeTTL/3)
	defer cancel()
	if err := p.cfg.Nodes.Withdraw(ctx, p.cfg.Node); err != nil {
		p.log.WarnContext(ctx, "media: withdrawing this node: it lapses", "node", p.cfg.Node, "err", err)
	}
}

// away is where a closing plane sends an offer for room: to the node that
// holds the room's lease, if another does, else to the live node pick
// chooses for the room. It fails wrapping ErrClosed when no other node is
// live (or there is no registry): the client offers again later.
func (p *Plane) away(ctx context.Context, room string) (string, error) {
	if p.cfg.Nodes == nil {
		return "", ErrClosed
	}
	holder, err := p.cfg.Nodes.MediaHolder(ctx, room)
	if err != nil {
		return "", fmt.Errorf("media: which node holds the room: %w", err)
	}
	if holder != "" && holder != p.cfg.Node {
		return holder, nil
	}
	live, err := p.cfg.Nodes.Live(ctx)
	if err != nil {
		return "", fmt.Errorf("media: which nodes are live: %w", err)
	}
	if to := pick(room, live, p.cfg.Node); to != "" {
		return to, nil
	}
	return "", fmt.Errorf("%w: no other node is live to take room %q", ErrClosed, room)
}

// pick chooses among live, but for self, the node to take room: the one
// with the highest hash of room and node (rendezvous hashing). Every
// draining node reading the same live nodes picks the same one, and a node
// joining or leaving moves only the rooms it wins or held. "" when there
// is none.
func pick(room string, live []string, self string) string {
	var best string
	var bestScore uint64
	for _, node := range live {
		if node == self {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(room))
		h.Write([]byte{0})
		h.Write([]byte(node))
		if score := h.Sum64(); best == "" || score > bestScore || score == bestScore && node < best {
			best, bestScore = node, score
		}
	}
	return best
}

// isClosed says whether Close has begun.
func (p *Plane) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
