package server

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
)

const (
	// defaultBacklog is how many recent segments a new viewer of a channel
	// gets; maxBacklog is the most one may ask for.
	defaultBacklog = 500
	maxBacklog     = 10000
	// maxChannels bounds the languages one client follows at once.
	maxChannels = 8
)

// SegmentChanged sends each segment change to the channel's viewers. It
// runs under the channel's lock, so it only queues.
func (h *hub) SegmentChanged(room, lang string, e rooms.Event, seg rooms.Segment) {
	if f := h.existingFeed(rooms.TranscriptLog(room, lang)); f != nil {
		f.publish(h.log, e.Seq, segmentMsg{Type: "segment", Lang: lang, Seq: e.Seq, Segment: seg})
	}
}

// followTranscripts makes c a viewer of exactly the channels in m.Langs:
// each new one sends the segments changed after m.After[lang] when this
// node still has them, else the last m.Backlog segments; then live changes.
func (h *hub) followTranscripts(ctx context.Context, c *client, m clientMsg) error {
	if len(m.Langs) > maxChannels {
		return fmt.Errorf("%w: follow at most %d languages at once", rooms.ErrInvalid, maxChannels)
	}
	backlog := m.Backlog
	if backlog <= 0 {
		backlog = defaultBacklog
	}
	backlog = min(backlog, maxBacklog)
	for lang, f := range c.transcripts {
		if !slices.Contains(m.Langs, lang) {
			f.remove(c)
			delete(c.transcripts, lang)
		}
	}
	for _, lang := range m.Langs {
		if !rooms.ValidLanguage(lang) {
			return fmt.Errorf("%w: lang %q: use floor or a language tag such as en", rooms.ErrInvalid, lang)
		}
		if _, ok := c.transcripts[lang]; ok {
			continue
		}
		after, resume := m.After[lang]
		unwritten := false
		err := h.transcripts.View(ctx, c.room, lang, func(ch *rooms.Channel) {
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
			switch {
			case !resume:
				c.enqueue(f.preparedBacklog(h.log, ch, backlog))
			case !f.replay(c, after, ch.Seq):
				c.reply(segmentsMsg{Type: "segments", Lang: lang, Seq: ch.Seq, Segments: ch.Segments(after, backlog)})
			}
			f.clients[c] = struct{}{}
			c.transcripts[lang] = f
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
// a long meeting cost one encoding, not 5,000. The caller holds f.mu.
func (f *feed) preparedBacklog(log *slog.Logger, ch *rooms.Channel, limit int) *websocket.PreparedMessage {
	b := f.backlog
	if b.msg == nil || b.seq != ch.Seq || b.limit != limit {
		msg := segmentsMsg{Type: "segments", Lang: ch.Lang, Seq: ch.Seq, Segments: ch.Segments(0, limit)}
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, mustJSON(msg))
		if err != nil {
			log.Error("prepare transcript backlog", "room", ch.Room, "lang", ch.Lang, "err", err)
		}
		f.backlog = encodedBacklog{seq: ch.Seq, limit: limit, msg: pm}
	}
	return f.backlog.msg
}

// caption handles a captioner's console: the line being typed, and
// corrections of finished lines.
func (c *client) caption(ctx context.Context, s *Server, m clientMsg) (rooms.Segment, error) {
	if m.Type == "correct" {
		return s.transcripts.Correct(ctx, c.room, c.who, m.Lang, m.Segment, m.Text)
	}
	return s.transcripts.Write(ctx, c.room, c.who, m.Lang, m.Text, m.Final)
}

// captionPause is how long a captioner may pause before the line they were
// writing is shown as finished.
const captionPause = 3 * time.Second
