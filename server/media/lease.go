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
// that is closing claims nothing: it sends the offer away, as the
// registry of nodes says, or refuses it.
func (p *Plane) elsewhere(ctx context.Context, room string) (string, error) {
	if p.cfg.Leases == nil {
		if p.isClosed() {
			return p.away(ctx, room)
		}
		return "", nil
	}
	holder, claimed, err := p.claim(ctx, room)
	if err != nil {
		return "", fmt.Errorf("media: which node holds the room: %w", err)
	}
	if !claimed {
		return p.away(ctx, room)
	}
	if holder == p.cfg.Node {
		return "", nil
	}
	return holder, nil
}

// claim claims room's lease for this node, or renews it, and returns the
// holder; claimed is false, and the store not asked, once the plane is
// closing. Close waits for the claims under way, then releases their
// rooms' leases with the others, so none outlives it.
func (p *Plane) claim(ctx context.Context, room string) (holder string, claimed bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return "", false, nil
	}
	p.claims.Add(1)
	p.claiming[room]++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		if p.claiming[room]--; p.claiming[room] == 0 {
			delete(p.claiming, room)
		}
		p.mu.Unlock()
		p.claims.Done()
	}()
	holder, err = p.cfg.Leases.ClaimMedia(ctx, room, p.cfg.Node, leaseTTL)
	return holder, true, err
}

// keepLease renews r's lease while r is in use; the stop it returns
// releases the lease and waits until that is done. Without leases it does
// nothing.
func (p *Plane) keepLease(r *room) (stop func()) {
	if p.cfg.Leases == nil {
		return func() {}
	}
	return renewing(leaseTTL/3, func(first bool) {
		if first {
			// The first claim follows any release of the room's previous media.
			p.leaseMu.Lock()
			defer p.leaseMu.Unlock()
		}
		p.renew(r)
	}, func() { p.release(r) })
}

// renewing calls renew at once (first true) and every period after, on a
// goroutine of its own, until the stop it returns, which calls end there
// and waits until it is done: a lease's, or an announcement's, life.
func renewing(period time.Duration, renew func(first bool), end func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		renew(true)
		for {
			select {
			case <-tick.C:
				renew(false)
			case <-quit:
				end()
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
	holder, claimed, err := p.claim(ctx, r.id)
	switch {
	case err != nil:
		p.log.Warn("media: renewing the room's lease", "room", r.id, "err", err)
	case claimed && holder != p.cfg.Node:
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

// handOver gives up the leases of the rooms ids (those of a closed plane:
// its rooms and those of the claims it had under way) once those claims
// are done, so that the rooms' next offers, on other nodes, take them at
// once rather than after the sessions here have closed. It waits at most leaseTTL/3
// within ctx: a store that does not answer lets the leases lapse.
func (p *Plane) handOver(ctx context.Context, ids []string) {
	if p.cfg.Leases == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, leaseTTL/3)
	defer cancel()
	claimed := make(chan struct{})
	go func() {
		p.claims.Wait()
		close(claimed)
	}()
	select {
	case <-claimed:
	case <-ctx.Done():
		p.log.WarnContext(ctx, "media: lease claims still under way at shutdown: their leases lapse", "err", ctx.Err())
		return
	}
	for _, id := range ids {
		if err := p.cfg.Leases.ReleaseMedia(ctx, id, p.cfg.Node); err != nil {
			p.log.WarnContext(ctx, "media: releasing the room's lease at shutdown", "room", id, "err", err)
		}
	}
}
