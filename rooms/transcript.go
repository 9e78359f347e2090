package rooms

import (
	"encoding/json"
	"strings"
	"time"
)

// A room's transcript is one channel per language: "floor" for the words as
// spoken, and any language an interpreter or captioner writes. Each channel
// is a log of its own beside the room's event log; its entries open, extend,
// finish and correct segments.

// FloorLanguage names the channel of the original words.
const FloorLanguage = "floor"

// TranscriptLog names the log of room's channel in lang.
func TranscriptLog(room, lang string) LogID {
	return LogID{Room: room, Channel: transcriptChannelPrefix + lang}
}

const transcriptChannelPrefix = "transcript-"

// TranscriptLanguage is the language of a transcript log, and false for
// any other log.
func TranscriptLanguage(id LogID) (string, bool) {
	return strings.CutPrefix(id.Channel, transcriptChannelPrefix)
}

// ValidLanguage reports whether lang can name a channel: "floor" or a
// BCP 47-like tag in lower case ("en", "pt-br", "zh-hans").
func ValidLanguage(lang string) bool {
	return languagePattern.MatchString(lang)
}

// Segment is a stretch of transcript as viewers show it: a line a captioner
// is still writing, or has finished.
type Segment struct {
	// ID is the seq of the entry that opened the segment; Seq that of the
	// latest entry that changed it.
	ID   uint64 `json:"id"`
	Seq  uint64 `json:"seq"`
	Lang string `json:"lang"`
	Text string `json:"text"`
	// Final is false while the captioner is still writing the segment.
	Final bool `json:"final"`
	// Corrected says the text was changed after it was final.
	Corrected bool      `json:"corrected,omitempty"`
	Start     time.Time `json:"start"`
	Updated   time.Time `json:"updated"`
	// Speaker held the floor when the segment began; nil between turns.
	Speaker *Speaker `json:"speaker"`
	// Request is the floor request of that turn, linking the segment to
	// its intervention.
	Request    string `json:"request,omitempty"`
	AgendaItem string `json:"agenda_item,omitempty"`

	// interrupted says the server finished the line, not its writer.
	interrupted bool
}

// Transcript entry types.
const (
	EvSegmentOpened    = "segment_opened"
	EvSegmentUpdated   = "segment_updated"
	EvSegmentCorrected = "segment_corrected"
)

// SegmentChange is the data of every transcript entry: the segment's text
// and state after the change. Opening entries also carry who held the floor.
type SegmentChange struct {
	Segment    uint64   `json:"segment,omitempty"` // absent when opening
	Text       string   `json:"text"`
	Final      bool     `json:"final"`
	Speaker    *Speaker `json:"speaker,omitempty"`
	Request    string   `json:"request,omitempty"`
	AgendaItem string   `json:"agenda_item,omitempty"`
	// CaptionSeq is the seq of the caption POST that caused the change, so
	// a retried POST is applied once. Each captioner (the entry's actor)
	// numbers their own posts.
	CaptionSeq uint64 `json:"caption_seq,omitempty"`
	// Interrupted says the server finished the line, not its writer: the
	// writer paused, or the floor changed hands.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Channel is a transcript channel as the fold of its log.
type Channel struct {
	Room string
	Lang string
	Seq  uint64
	// Head is the hash of the last entry (chain.go), "" before the chain.
	Head string
	// segments in the order they were opened; index by ID via byID.
	segments []*Segment
	byID     map[uint64]int
	// open is the segment still being written, or nil.
	open *Segment
	// captionSeqs is the last caption POST seq applied, per captioner (sub).
	captionSeqs map[string]uint64
}

// NewChannel returns the state of a channel with no entries.
func NewChannel(room, lang string) *Channel {
	return &Channel{Room: room, Lang: lang, byID: map[uint64]int{}, captionSeqs: map[string]uint64{}}
}

// CaptionSeq is the last caption POST seq applied for the captioner sub, 0
// before their first numbered post.
func (c *Channel) CaptionSeq(sub string) uint64 { return c.captionSeqs[sub] }

// noteCaptionSeq records a post's seq as its captioner's last, by the rule
// posts are checked against: a seq further ahead than that, which a log
// written before the rule may hold, counts for nothing rather than turning
// every later post into a duplicate.
func (c *Channel) noteCaptionSeq(sub string, seq uint64) {
	if duplicate, _, err := checkCaptionSeq(seq, c.captionSeqs[sub]); !duplicate && err == nil {
		c.captionSeqs[sub] = seq
	}
}

// Apply folds one entry into the channel. Entries come from the log and are
// trusted; one that names an unknown segment is skipped.
func (c *Channel) Apply(e Event) {
	c.Seq, c.Head = e.Seq, e.Hash
	var d SegmentChange
	if len(e.Data) > 0 {
		_ = json.Unmarshal(e.Data, &d)
	}
	if d.CaptionSeq > 0 {
		c.noteCaptionSeq(e.Actor.Sub, d.CaptionSeq)
	}
	var seg *Segment
	switch e.Type {
	case EvSegmentOpened:
		seg = &Segment{ID: e.Seq, Lang: c.Lang, Start: e.Time, Speaker: publishedSpeaker(d.Speaker), Request: d.Request, AgendaItem: d.AgendaItem}
		c.byID[seg.ID] = len(c.segments)
		c.segments = append(c.segments, seg)
	case EvSegmentUpdated, EvSegmentCorrected:
		i, ok := c.byID[d.Segment]
		if !ok {
			return
		}
		seg = c.segments[i]
		seg.Corrected = seg.Corrected || e.Type == EvSegmentCorrected
	default:
		return
	}
	seg.Seq, seg.Text, seg.Final, seg.Updated = e.Seq, d.Text, d.Final, e.Time
	seg.interrupted = d.Interrupted
	switch {
	case !seg.Final:
		c.open = seg
	case c.open == seg:
		c.open = nil
	}
}

// Segments returns copies of the segments changed after seq, in the order
// they were opened; limit > 0 keeps only the last limit of them. It walks
// back from the newest and copies only what it returns: a viewer joining a
// long meeting wants the end of it.
func (c *Channel) Segments(after uint64, limit int) []Segment {
	var picked []*Segment
	for i := len(c.segments) - 1; i >= 0 && (limit <= 0 || len(picked) < limit); i-- {
		if s := c.segments[i]; s.Seq > after {
			picked = append(picked, s)
		}
	}
	out := make([]Segment, len(picked))
	for i, s := range picked {
		out[len(picked)-1-i] = *s
	}
	return out
}

// Segment returns a copy of the segment with id.
func (c *Channel) Segment(id uint64) (Segment, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Segment{}, false
	}
	return *c.segments[i], true
}

// interruptedRun is the run of segments the server finished for their
// writer (the floor changed hands, or the writer paused) that ends just
// before the line being written, or at the end of the channel when no line
// is: a console still shows those words on the line it is typing.
func (c *Channel) interruptedRun() []Segment {
	end := len(c.segments)
	if c.open != nil {
		end = c.byID[c.open.ID]
	}
	start := end
	for start > 0 && c.segments[start-1].interrupted {
		start--
	}
	run := make([]Segment, 0, end-start)
	for _, s := range c.segments[start:end] {
		run = append(run, *s)
	}
	return run
}

// Open returns the segment still being written, if any.
func (c *Channel) Open() (Segment, bool) {
	if c.open == nil {
		return Segment{}, false
	}
	return *c.open, true
}
