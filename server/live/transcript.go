package live

import (
	"context"
	"fmt"
	"slices"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
)

// transcriptObserver captures each segment change for its channel's feed.
type transcriptObserver struct{ h *Hub }

// SegmentChanged runs under the channel's lock: it captures the change and
// leaves the encoding to the feed's drainer.
func (o transcriptObserver) SegmentChanged(room, lang string, e rooms.Event, seg rooms.Segment) {
	if f := o.h.existingFeed(rooms.TranscriptLog(room, lang)); f != nil {
		f.capture(captured{seq: e.Seq, msg: protocol.Segment{Type: protocol.TypeSegment, Lang: lang, Seq: e.Seq, Segment: seg}})
	}
}

// ChannelReset runs under the channel's lock once the channel was reloaded
// after the store lost entries: its viewers start again from its recent
// segments.
func (o transcriptObserver) ChannelReset(room, lang string, ch *rooms.Channel) {
	if f := o.h.existingFeed(rooms.TranscriptLog(room, lang)); f != nil {
		f.resetChannel(ch)
	}
}

// resetChannel sends every viewer of the reloaded channel its last
// DefaultBacklog segments in place of what they had. The caller holds the
// channel's lock.
func (f *feed) resetChannel(ch *rooms.Channel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restart(ch.Seq)
	pm := f.preparedBacklog(ch, protocol.DefaultBacklog)
	for c := range f.clients {
		c.enqueue(pm)
	}
}

// followTranscripts makes c a viewer of exactly the channels in m.Langs:
// each new one sends the entries after m.After[lang] when this node still
// has them, else one segments message of every segment changed since (the
// channel holds them all; up to MaxBacklog); without an after, the last
// m.Backlog segments; then live changes.
func (h *Hub) followTranscripts(ctx context.Context, c *client, m protocol.ClientMessage) error {
	if len(m.Langs) > protocol.MaxChannels {
		return fmt.Errorf("%w: follow at most %d languages at once", rooms.ErrInvalid, protocol.MaxChannels)
	}
	backlog := m.Backlog
	if backlog <= 0 {
		backlog = protocol.DefaultBacklog
	}
	backlog = min(backlog, protocol.MaxBacklog)
	for lang := range c.followed() {
		if !slices.Contains(m.Langs, lang) {
			if f, ok := c.unfollow(lang); ok {
				f.remove(c)
			}
		}
	}
	followed := c.followed()
	for _, lang := range m.Langs {
		if !rooms.ValidLanguage(lang) {
			return fmt.Errorf("%w: lang %q: use floor or a language tag such as en", rooms.ErrInvalid, lang)
		}
		if _, ok := followed[lang]; ok {
			continue
		}
		after, resume := m.After[lang]
		unwritten := false
		err := h.cfg.Transcripts.View(ctx, c.room, lang, func(ch *rooms.Channel) {
			// Following a language nobody writes yet would race its first
			// line; the room's languages change says when it has one. A
			// written language's channel has entries; the floor always
			// can be followed.
			if ch.Seq == 0 && lang != rooms.FloorLanguage {
				unwritten = true
				return
			}
			if after > ch.Seq {
				after, resume = 0, false // a client from another life of the channel
			}
			f := h.feed(rooms.TranscriptLog(c.room, lang), ch.Seq)
			f.mu.Lock()
			defer f.mu.Unlock()
			f.joining--
			had, ok := uint64(0), false
			if resume {
				had, ok = f.replay(c, after, ch.Seq, nil)
				if !ok {
					c.reply(protocol.Segments{Type: protocol.TypeSegments, Lang: lang, Seq: ch.Seq, Segments: ch.Segments(after, protocol.MaxBacklog)})
				}
			} else {
				c.enqueue(f.preparedBacklog(ch, backlog))
			}
			if !ok {
				had = ch.Seq
			}
			if f.add(c, had) {
				c.follow(lang, f)
			}
		})
		if err != nil {
			return err
		}
		if unwritten {
			return fmt.Errorf("no transcript in %s yet: %w", lang, rooms.ErrNotFound)
		}
	}
	return nil
}

// preparedBacklog is a channel's recent segments for viewers who join it,
// prepared once and shared until the channel changes: 5,000 viewers joining
// a long meeting cost one encoding, not 5,000. The caller holds the
// channel's lock and f.mu.
func (f *feed) preparedBacklog(ch *rooms.Channel, limit int) *message {
	b := f.backlog
	if b.msg == nil || b.seq != ch.Seq || b.limit != limit {
		pm := prepare(f.log, f.id, protocol.Segments{Type: protocol.TypeSegments, Lang: ch.Lang, Seq: ch.Seq, Segments: ch.Segments(0, limit)})
		f.backlog = encodedBacklog{seq: ch.Seq, limit: limit, msg: pm}
	}
	return f.backlog.msg
}
