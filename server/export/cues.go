package export

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-hub/parley/rooms"
)

// Broadcast captioning keeps to two lines of about 42 columns, so that a
// caption can be read at a glance and covers little of the picture.
const (
	captionWidth = 42
	cueLines     = 2
)

// escapeMarkup writes the characters caption text gives a meaning to as
// character references: WebVTT cue text and the tags SRT readers take from
// HTML. With ">" escaped, no text can hold the "-->" that would make it a
// timing line.
var escapeMarkup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// cue is caption text on screen from start to end.
type cue struct {
	id         string
	start, end time.Duration
	speaker    string   // "" when nobody held the floor
	lines      []string // plain text, escaped by each format as it needs
}

// captions cuts the record into cues of at most cueLines lines. labelled
// puts "Name: " before each segment's text, for formats that have no markup
// for voices.
func captions(origin time.Time, segs []rooms.Segment, labelled bool) []cue {
	var out []cue
	for _, e := range record(origin, segs) {
		speaker := speakerName(e.seg.Speaker)
		text := e.seg.Text
		if labelled && speaker != "" {
			text = speaker + ": " + text
		}
		out = append(out, split(e, speaker, balance(words(text), captionWidth))...)
	}
	return out
}

// split turns one segment's wrapped lines into cues. A segment that needs
// one cue keeps its ID as the cue's identifier; the n-th of several is
// "ID-n". Several cues share the segment's time as if its text were read at
// an even pace: each starts once the text before it has had its share of the
// time from the segment's start to until, and stays up until the next one
// starts; the last, and any that start together with the next, end with the
// segment.
func split(e entry, speaker string, lines []string) []cue {
	var groups [][]string
	total := 0
	for len(lines) > 0 {
		n := min(cueLines, len(lines))
		groups = append(groups, lines[:n])
		total += runes(lines[:n])
		lines = lines[n:]
	}
	span := float64(e.until - e.start)
	cues := make([]cue, len(groups))
	read := 0
	for i, g := range groups {
		offset := time.Duration(span * float64(read) / float64(total))
		cues[i] = cue{
			id:      strconv.FormatUint(e.seg.ID, 10),
			start:   e.start + offset.Truncate(time.Millisecond),
			end:     e.end,
			speaker: speaker,
			lines:   g,
		}
		if len(groups) > 1 {
			cues[i].id += "-" + strconv.Itoa(i+1)
		}
		read += runes(g)
	}
	for i := range len(cues) - 1 {
		if next := cues[i+1].start; next > cues[i].start {
			cues[i].end = next
		}
	}
	return cues
}

func runes(lines []string) int {
	n := 0
	for _, l := range lines {
		n += utf8.RuneCountInString(l)
	}
	return n
}
