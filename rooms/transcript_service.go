package rooms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Transcripts runs the transcript channels of the rooms of a Service: it
// takes captioners' text, attributes each segment to whoever held the
// floor when it began, and keeps every channel as a log in the Store.
type Transcripts struct {
	store     Store
	rooms     *Service
	log       *slog.Logger
	now       func() time.Time
	observers observers[TranscriptObserver]

	channels *cache[LogID, *Channel]
}

type channel = entry[*Channel]

// NewTranscripts returns the transcript side of svc's rooms, kept in svc's
// store. Give each Service one.
func NewTranscripts(svc *Service, log *slog.Logger) *Transcripts {
	t := &Transcripts{store: svc.store, rooms: svc, log: log, now: svc.now}
	// A channel goes with its room: once the room is evicted (closed,
	// or idle), nothing writes the channel.
	t.channels = newCache(svc.now, svc.follow.following, func(id LogID, _ *Channel) bool { return !svc.rooms.has(id.Room) })
	svc.foldChannel, svc.checkChannel = t.foldFollowed, t.checkFollowed
	return t
}

// CaptionResult is what a caption post did.
type CaptionResult struct {
	// CaptionSeq is the highest caption seq the channel has applied from
	// this captioner.
	CaptionSeq uint64 `json:"caption_seq"`
	// Duplicate says the post was applied before and was not applied again.
	Duplicate bool `json:"duplicate,omitempty"`
	// Missing counts the caption seqs skipped between the captioner's
	// previous post and this one: posts their software sent that never
	// arrived.
	Missing uint64 `json:"missing,omitempty"`
	// Seq is the channel's log seq after the post.
	Seq      uint64    `json:"seq"`
	Segments []Segment `json:"segments"`
}

// Post appends a caption body to room's channel lang, the way CART software
// posts: text continues the line being written, a newline finishes it, a
// backspace deletes the character before it. captionSeq numbers the
// captioner's posts (0: unnumbered); a post whose seq the channel has
// already applied from them is acknowledged and not applied again, so
// retries are safe, and one too far ahead is refused (checkCaptionSeq). A
// body finishing more than MaxPostLines lines is refused.
func (t *Transcripts) Post(ctx context.Context, room string, actor Participant, lang string, captionSeq uint64, body string) (CaptionResult, error) {
	if err := checkPostLines(body); err != nil {
		return CaptionResult{}, err
	}
	var res CaptionResult
	err := t.write(ctx, room, actor, lang, func(c *Channel, at attribution) ([]Event, error) {
		res.Missing, res.Duplicate = 0, false
		if captionSeq != 0 {
			var err error
			res.Duplicate, res.Missing, err = checkCaptionSeq(captionSeq, c.CaptionSeq(actor.Sub))
			if err != nil || res.Duplicate {
				return nil, err
			}
		}
		open, hasOpen := c.Open()
		continues := hasOpen && open.Request == at.request
		line := ""
		if continues {
			line = open.Text
		}
		return t.segmentEvents(at, actor, open, hasOpen, splitCaption(line, continues, body), captionSeq), nil
	}, func(c *Channel, changed []Segment) {
		res.CaptionSeq, res.Seq, res.Segments = c.CaptionSeq(actor.Sub), c.Seq, changed
	})
	return res, err
}

// Write sets the text of the line a captioner is typing in the console,
// opening a new segment when none is being written; final finishes it.
func (t *Transcripts) Write(ctx context.Context, room string, actor Participant, lang, text string, final bool) (Segment, error) {
	if err := checkLine(text); err != nil {
		return Segment{}, err
	}
	var seg Segment
	err := t.write(ctx, room, actor, lang, func(c *Channel, at attribution) ([]Event, error) {
		open, hasOpen := c.Open()
		change := lineChange{text: text, final: final, continues: hasOpen && open.Request == at.request}
		run := c.interruptedRun()
		if hasOpen && !change.continues {
			run = append(run, open) // finished below, as the floor changed
		}
		change.text = afterInterruption(run, text)
		if strings.TrimSpace(change.text) == "" && (!change.continues || len(run) > 0) {
			// Nothing typed beyond what is already on record: at most the
			// line being written is finished.
			if hasOpen && (final || !change.continues) {
				return []Event{finish(t.now(), actor.Actor(), open, 0)}, nil
			}
			return nil, nil
		}
		return t.segmentEvents(at, actor, open, hasOpen, []lineChange{change}, 0), nil
	}, func(_ *Channel, changed []Segment) {
		if len(changed) > 0 {
			seg = changed[len(changed)-1]
		}
	})
	return seg, err
}

// Correct replaces the text of segment id; the change is recorded.
func (t *Transcripts) Correct(ctx context.Context, room string, actor Participant, lang string, id uint64, text string) (Segment, error) {
	if err := checkLine(text); err != nil {
		return Segment{}, err
	}
	var seg Segment
	err := t.write(ctx, room, actor, lang, func(c *Channel, _ attribution) ([]Event, error) {
		if _, ok := c.Segment(id); !ok {
			return nil, fmt.Errorf("segment %d of %s: %w", id, lang, ErrNotFound)
		}
		return []Event{draft(t.now(), actor.Actor(), EvSegmentCorrected, SegmentChange{Segment: id, Text: text, Final: true})}, nil
	}, func(c *Channel, _ []Segment) { seg, _ = c.Segment(id) })
	return seg, err
}

// segmentEvents turns line changes into entries. A line still being
// written when the floor has changed hands is finished first, so every
// segment belongs to one turn.
func (t *Transcripts) segmentEvents(at attribution, actor Participant, open Segment, hasOpen bool, lines []lineChange, captionSeq uint64) []Event {
	now, by := t.now(), actor.Actor()
	var evs []Event
	if hasOpen && open.Request != at.request && len(lines) > 0 {
		evs = append(evs, finish(now, by, open, captionSeq))
	}
	for _, l := range lines {
		change := SegmentChange{Text: l.text, Final: l.final, CaptionSeq: captionSeq}
		if l.continues {
			change.Segment = open.ID
			evs = append(evs, draft(now, by, EvSegmentUpdated, change))
			continue
		}
		change.Speaker, change.Request, change.AgendaItem = at.speaker, at.request, at.agendaItem
		evs = append(evs, draft(now, by, EvSegmentOpened, change))
	}
	return evs
}

// finish is the entry by which the server makes a line being written final
// as it stands.
func finish(now time.Time, by Actor, open Segment, captionSeq uint64) Event {
	return draft(now, by, EvSegmentUpdated, SegmentChange{Segment: open.ID, Text: strings.TrimSpace(open.Text), Final: true, CaptionSeq: captionSeq, Interrupted: true})
}

// afterInterruption is what a console's line adds to the lines the server
// finished under it (run, oldest first): the console still shows the whole
// line, but only the words after the finished ones are new.
func afterInterruption(run []Segment, text string) string {
	line := strings.TrimSpace(text)
	for i := range run {
		texts := make([]string, 0, len(run)-i)
		for _, s := range run[i:] {
			texts = append(texts, strings.TrimSpace(s.Text))
		}
		done := strings.Join(texts, " ")
		if rest, found := strings.CutPrefix(line, done); found && done != "" {
			return strings.TrimSpace(rest)
		}
	}
	return text
}

// attribution is who held the floor when a segment began.
type attribution struct {
	speaker    *Speaker
	request    string
	agendaItem string
	// hasLanguage says the room already lists the channel's language.
	hasLanguage bool
}

// write checks that actor may write lang in room, then runs one
// compare-and-append on the channel: decide makes entries against the
// latest state, done sees the state after them and the segments they
// changed.
func (t *Transcripts) write(ctx context.Context, room string, actor Participant, lang string, decide func(*Channel, attribution) ([]Event, error), done func(*Channel, []Segment)) error {
	if actor.Role != RoleCaptioner && actor.Role != RoleAdmin {
		return fmt.Errorf("%w: only a captioner may write the transcript", ErrForbidden)
	}
	if !ValidLanguage(lang) {
		return fmt.Errorf("%w: lang %q: use floor or a language tag such as en or pt-br", ErrInvalid, lang)
	}
	if actor.Lang != "" && actor.Lang != lang {
		return fmt.Errorf("%w: your token lets you write %s only", ErrForbidden, actor.Lang)
	}
	at, err := t.attribution(ctx, room, lang)
	if err != nil {
		return err
	}
	written := false
	err = t.commitTo(ctx, room, lang, func(c *Channel) ([]Event, error) { return decide(c, at) }, func(c *Channel, changed []Segment) {
		written = c.Seq > 0
		done(c, changed)
	})
	if err != nil {
		return fmt.Errorf("transcript %s of room %q: %w", lang, room, err)
	}
	if written && !at.hasLanguage {
		return t.listLanguage(ctx, room, actor, lang)
	}
	return nil
}

// listLanguage has the room list lang once its channel has text, which
// viewers need to follow it. The two are separate logs, so this is a step
// of its own after the channel's append: it runs whatever becomes of the
// request whose text is already in the log, and any later write to a
// channel with entries repeats it (a retried post too), so a step lost to
// a failing store is repaired by the next.
func (t *Transcripts) listLanguage(ctx context.Context, room string, actor Participant, lang string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listLanguageWait)
	defer cancel()
	return t.rooms.addLanguage(ctx, room, actor, lang)
}

// listLanguageWait bounds listLanguage, which no caller can cancel.
const listLanguageWait = 10 * time.Second

// commitTo runs one compare-and-append on room's channel lang under its
// lock and hands done the state after it with the segments it changed. A
// caller gone while it waited for the lock appends nothing.
func (t *Transcripts) commitTo(ctx context.Context, room, lang string, decide func(*Channel) ([]Event, error), done func(*Channel, []Segment)) error {
	ch, unpin, err := t.channel(room, lang)
	if err != nil {
		return err
	}
	defer unpin()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	appended, err := commit(ctx, t.store, TranscriptLog(room, lang), ch.state, t.now, func() ([]Event, error) {
		return decide(ch.state)
	}, t.applied(room, lang, ch.state))
	if err != nil {
		return t.recover(ctx, ch, err)
	}
	done(ch.state, changedSegments(ch.state, appended))
	return nil
}

// changedSegments is the segments entries changed, each once, in the order
// of their last change.
func changedSegments(c *Channel, entries []Event) []Segment {
	seen := make(map[uint64]bool, len(entries))
	var changed []Segment
	for i := len(entries) - 1; i >= 0; i-- {
		id := segmentOf(entries[i])
		if seen[id] {
			continue
		}
		seen[id] = true
		if s, ok := c.Segment(id); ok {
			changed = append(changed, s)
		}
	}
	slices.Reverse(changed)
	return changed
}

// segmentOf is the segment an entry changed.
func segmentOf(e Event) uint64 {
	if e.Type == EvSegmentOpened {
		return e.Seq
	}
	var d SegmentChange
	unmarshal(e, &d)
	return d.Segment
}

// attribution reads who holds the floor of room now.
func (t *Transcripts) attribution(ctx context.Context, room, lang string) (attribution, error) {
	var at attribution
	var closed bool
	err := t.rooms.View(ctx, room, func(st *State) {
		closed, at.agendaItem = st.Closed, st.AgendaItem
		_, at.hasLanguage = slices.BinarySearch(st.Languages, lang)
		if f := st.floor; f != nil {
			sp := PublicView.Speaker(f.Speaker)
			at.speaker, at.request, at.agendaItem = &sp, f.Request, f.AgendaItem
		}
	})
	if err == nil && closed {
		err = fmt.Errorf("%w: the room is closed", ErrState)
	}
	return at, err
}

// exists reports whether room's transcript has a channel in lang: the
// floor always does, other languages once a captioner has written in them.
func (t *Transcripts) exists(ctx context.Context, room, lang string) (bool, error) {
	var known bool
	err := t.rooms.View(ctx, room, func(st *State) {
		_, known = slices.BinarySearch(st.Languages, lang)
	})
	return known || lang == FloorLanguage, err
}

// View runs fn on the latest state of room's channel lang under its lock.
func (t *Transcripts) View(ctx context.Context, room, lang string, fn func(*Channel)) error {
	if !ValidLanguage(lang) {
		return fmt.Errorf("%w: lang %q: use floor or a language tag such as en", ErrInvalid, lang)
	}
	known, err := t.exists(ctx, room, lang)
	if err != nil {
		return err
	}
	if !known {
		// Nothing written yet: not cached, so made-up languages cost nothing.
		fn(NewChannel(room, lang))
		return nil
	}
	ch, done, err := t.channel(room, lang)
	if err != nil {
		return err
	}
	defer done()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if err := t.catchUp(ctx, ch); err != nil {
		return err
	}
	fn(ch.state)
	return nil
}

// catchUp folds in whatever the channel's log holds beyond its state. The
// caller holds ch's lock.
func (t *Transcripts) catchUp(ctx context.Context, ch *channel) error {
	c := ch.state
	return t.recover(ctx, ch, catchUp(ctx, t.store, TranscriptLog(c.Room, c.Lang), c, t.applied(c.Room, c.Lang, c)))
}

// recover is Service.recover for a channel: a loss is a fault, the
// channel is reloaded from what the store has and the observers are told.
// The caller holds ch's lock.
func (t *Transcripts) recover(ctx context.Context, ch *channel, err error) error {
	err = t.rooms.fault(ctx, err)
	if !errors.Is(err, ErrLost) {
		return err
	}
	c := ch.state
	if err := reload(ctx, t.store, TranscriptLog(c.Room, c.Lang), c); err != nil {
		t.log.WarnContext(ctx, "reloading a transcript after the store lost entries failed; it is empty until its next use", "room", c.Room, "lang", c.Lang, "err", err)
	}
	t.observers.each(func(o TranscriptObserver) { o.ChannelReset(c.Room, c.Lang, c) })
	return err
}

// FinishIdle finishes every line that nobody has added to for LineIdle.
// Run it now and then; with several nodes, whichever runs first finishes a
// line and the others find it finished.
func (t *Transcripts) FinishIdle(ctx context.Context) {
	ids := t.channels.keys()
	for _, id := range ids {
		if !t.idleLine(id, LineIdle) {
			// Nothing to finish as far as this node knows; a line another
			// node is writing is that node's to finish.
			continue
		}
		lang, _ := TranscriptLanguage(id)
		err := t.commitTo(ctx, id.Room, lang, func(c *Channel) ([]Event, error) {
			open, ok := c.Open()
			if !ok || t.now().Sub(open.Updated) < LineIdle {
				return nil, nil
			}
			return []Event{finish(t.now(), systemActor, open, 0)}, nil
		}, func(*Channel, []Segment) {})
		if err != nil {
			t.log.WarnContext(ctx, "finishing an idle caption line failed", "room", id.Room, "lang", lang, "err", err)
		}
	}
}

// idleLine reports whether the cached channel id has a line being written
// that nobody has added to for idle, without asking the store.
func (t *Transcripts) idleLine(id LogID, idle time.Duration) bool {
	ch, done := t.channels.peek(id)
	if ch == nil {
		return false // evicted meanwhile
	}
	defer done()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	open, ok := ch.state.Open()
	return ok && t.now().Sub(open.Updated) >= idle
}

// Follow keeps room's channel lang current, from seq on, with entries
// other nodes append, and keeps it cached, until release is called, as
// Service.Follow does for the room log.
func (t *Transcripts) Follow(room, lang string, seq uint64) (release func()) {
	return t.rooms.follow.add(TranscriptLog(room, lang), seq)
}

// foldFollowed folds into the cached channel what the follower read.
func (t *Transcripts) foldFollowed(ctx context.Context, id LogID, entries []Event) {
	lang, ok := TranscriptLanguage(id)
	if !ok {
		return
	}
	ch, done, _ := t.channels.get(id, nil)
	if ch == nil {
		return // not cached: folded afresh from the log on next use
	}
	defer done()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if err := t.recover(ctx, ch, foldRead(ctx, t.store, id, ch.state, entries, t.applied(id.Room, lang, ch.state))); err != nil && !errors.Is(err, ErrLost) {
		t.log.WarnContext(ctx, "folding another node's captions failed; the next use catches up", "room", id.Room, "lang", lang, "err", err)
	}
}

// checkFollowed catches the cached channel id up with the store, which the
// follower found holding less of it than was read, as
// Service.checkFollowed does for rooms.
func (t *Transcripts) checkFollowed(ctx context.Context, id LogID) {
	ch, done, _ := t.channels.get(id, nil)
	if ch == nil {
		return
	}
	defer done()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if err := t.catchUp(ctx, ch); err != nil && !errors.Is(err, ErrLost) {
		t.log.WarnContext(ctx, "checking a transcript against a shorter log failed; the next use catches up", "room", id.Room, "log", id.String(), "err", err)
	}
}

// MaxLanguages bounds a room's transcript channels, so made-up language
// tags cannot grow a node's memory without end.
const MaxLanguages = 64

// channel returns room's channel lang, pinned until done is called.
func (t *Transcripts) channel(room, lang string) (ch *channel, done func(), err error) {
	return t.channels.get(TranscriptLog(room, lang), func() (*Channel, error) {
		if t.channels.countLocked(func(id LogID) bool { return id.Room == room }) >= MaxLanguages {
			return nil, fmt.Errorf("%w: room %q has %d transcript languages already", ErrInvalid, room, MaxLanguages)
		}
		return NewChannel(room, lang), nil
	})
}

func (t *Transcripts) applied(room, lang string, c *Channel) func(Event) {
	return func(e Event) {
		if s, ok := c.Segment(segmentOf(e)); ok {
			t.observers.each(func(o TranscriptObserver) { o.SegmentChanged(room, lang, e, s) })
		}
	}
}
