package media

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/parley-hub/parley/rooms"
)

// maxLangFeeds bounds a room's interpretation feeds, so that receivers
// asking for made-up languages cannot grow it without end.
const maxLangFeeds = rooms.MaxLanguages

// announceTimeout bounds recording that an interpretation started or stopped.
const announceTimeout = 5 * time.Second

// langFeed is the output of one language: its interpreter while one
// publishes (live), otherwise the venue feed, as one continuous stream.
type langFeed struct {
	out  *fanout
	live atomic.Bool
}

// langFeed returns the feed of lang, creating it; r.mu is held. The map is
// replaced whole, so the venue's read loop reads it without a lock.
func (r *room) langFeedLocked(lang string) (*langFeed, error) {
	feeds := *r.langs.Load()
	if l := feeds[lang]; l != nil {
		return l, nil
	}
	if len(feeds) >= maxLangFeeds {
		return nil, fmt.Errorf("%w: room %q has %d interpretation feeds already", rooms.ErrInvalid, r.id, maxLangFeeds)
	}
	l := &langFeed{out: newFanout()}
	next := maps.Clone(feeds)
	next[lang] = l
	r.langs.Store(&next)
	return l, nil
}

// langFeed is langFeedLocked for a caller without r.mu.
func (r *room) langFeed(lang string) (*langFeed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.langFeedLocked(lang)
}

// updateLangLive recomputes whether lang's interpreter is heard; r.mu is held.
func (r *room) updateLangLive(lang string) {
	l, err := r.langFeedLocked(lang)
	if err != nil {
		return
	}
	s := r.interps[lang]
	l.live.Store(s != nil && s.sending.Load())
}

// interpreting reports whether lang's interpreter publishes now.
func (r *room) interpreting(lang string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.interps[lang]
	return s != nil && s.sending.Load()
}

// announce records in the room's log whether lang is interpreted now, as
// this node's sessions have it; by is the interpreter whose session
// changed it. Calls are serialised and each records the latest facts, so
// a booth replaced or ending races no other into the log.
func (r *room) announce(lang string, by rooms.Participant) {
	r.announcing.Lock()
	defer r.announcing.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), announceTimeout)
	defer cancel()
	on := r.interpreting(lang)
	if err := r.plane.cfg.Rooms.SetInterpreted(ctx, r.id, by, lang, on); err != nil {
		r.plane.log.Warn("media: recording interpretation", "room", r.id, "participant", by.Sub, "lang", lang, "on", on, "err", err)
	}
}

// forwardVenueToLangs carries a venue packet on every language no
// interpreter is heard in now.
func (r *room) forwardVenueToLangs(s *session, p *rtp.Packet) {
	for _, l := range *r.langs.Load() {
		if !l.live.Load() {
			l.out.forward(s.src, p.Header, p.Payload)
		}
	}
}
