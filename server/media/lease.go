package media

import (
	"context"
	"fmt"
	"time"
)

// leaseTTL is how long a room's media lease lasts unless renewed; the
// holder renews it three times as often, so two renewals in a row may
// fail (a slow Redis) before it lapses. A node that dies frees its rooms
// within leaseTTL: their viewers' pages, whose media stopped, offer again
// and are answered by a live node within a few seconds rather than sent
// to the dead one.
const leaseTTL = 5 * time.Second

// elsewhere is the base URL of the node that holds room's media, or ""
// when this node does (it claims the lease if nobody holds it). A plane
// that is closing claims nothing: its leases are being released for
// another node to take.
func (p *Plane) elsewhere(ctx context.Context, room string) (string, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return "", ErrClosed
	}
	if p.cfg.Leases == nil {
		return "", nil
	}
	holder, err := p.cfg.Leases.ClaimMedia(ctx, room, p.cfg.Node, leaseTTL)
	if err != nil {
		return "", fmt.Errorf("media: which node holds the room: %w", err)
	}
	if holder == p.cfg.Node {
		return "", nil
	}
	return holder, nil
}

// keepLease renews r's lease while r is in use; the stop it returns
// releases the lease and waits until that is done. Without leases it does
// nothing.
func (p *Plane) keepLease(r *room) (stop func()) {
	if p.cfg.Leases == nil {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(leaseTTL / 3)
		defer tick.Stop()
		// The first claim follows any release of the room's previous media.
		p.leaseMu.Lock()
		p.renew(r)
		p.leaseMu.Unlock()
		for {
			select {
			case <-tick.C:
				p.renew(r)
			case <-quit:
				p.release(r)
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

func (p *Plane) renew(r *room) {
	ctx, cancel := context.WithTimeout(context.Background(), leaseTTL/3)
	defer cancel()
	holder, err := p.cfg.Leases.ClaimMedia(ctx, r.id, p.cfg.Node, leaseTTL)
	switch {
	case err != nil:
		p.log.Warn("media: renewing the room's lease", "room", r.id, "err", err)
	case holder != p.cfg.Node:
		p.log.Warn("media: another node holds the media of a room this node serves", "room", r.id, "holder", holder)
	}
}

// release gives up r's lease, unless the room's media has started here
// again meanwhile: the lease is then the new media's, whose first claim
// waits for this.
func (p *Plane) release(r *room) {
	p.leaseMu.Lock()
	defer p.leaseMu.Unlock()
	if p.roomOf(r.id) != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaseTTL/3)
	defer cancel()
	if err := p.cfg.Leases.ReleaseMedia(ctx, r.id, p.cfg.Node); err != nil {
		p.log.Warn("media: releasing the room's lease", "room", r.id, "err", err)
	}
}
