package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/parley-hub/parley/rooms"
)

// minDuration keeps a segment on screen long enough to be read at all.
const minDuration = time.Second

// readingTime is how long a line takes to read: a line a captioner sends
// finished in one post has Updated equal to Start, and a corrected line's
// Updated is when it was corrected, so neither says how long it was shown.
func readingTime(text string) time.Duration {
	const perRune, most = 50 * time.Millisecond, 7 * time.Second
	return min(minDuration+time.Duration(len([]rune(text)))*perRune, most)
}

// entry is a segment as it goes on the record, timed relative to the session
// start in whole milliseconds, the precision every format shares.
type entry struct {
	seg        rooms.Segment
	start, end time.Duration
	// until is when the next segment starts, or end if that is sooner or
	// there is none: the cues of a split segment all start before it, so
	// cues stay in time order across segments.
	until time.Duration
}

// record picks the segments that go on the record and times them by the rule
// of the package documentation.
func record(origin time.Time, segs []rooms.Segment) []entry {
	var out []entry
	for _, s := range segs {
		if len(words(s.Text)) == 0 {
			continue
		}
		e := entry{seg: s, start: since(origin, s.Start)}
		if n := len(out); n > 0 {
			e.start = max(e.start, out[n-1].start)
		}
		out = append(out, e)
	}
	for i := range out {
		e := &out[i]
		e.end = e.start + readingTime(e.seg.Text)
		if !e.seg.Corrected {
			e.end = max(e.end, since(origin, e.seg.Updated))
		}
		if i+1 < len(out) {
			if next := out[i+1].start; next > e.start && next < e.end {
				e.end = next
			}
		}
		e.end = max(e.end, e.start+minDuration)
		e.until = e.end
		if i+1 < len(out) {
			e.until = min(e.end, out[i+1].start)
		}
	}
	return out
}

// since is t relative to origin, clamped at 0 so that a line opened before
// the session start (or a zero time) counts from the start.
func since(origin, t time.Time) time.Duration {
	return max(t.Sub(origin), 0).Truncate(time.Millisecond)
}

// clock formats d as HH:MM:SS, followed by sep and milliseconds unless sep
// is empty.
func clock(d time.Duration, sep string) string {
	ms := d.Milliseconds()
	hms := fmt.Sprintf("%02d:%02d:%02d", ms/3_600_000, ms/60_000%60, ms/1000%60)
	if sep == "" {
		return hms
	}
	return fmt.Sprintf("%s%s%03d", hms, sep, ms%1000)
}

// sameSpeaker reports whether two segments belong to one turn: the same
// person on the floor, or nobody on it for both.
func sameSpeaker(a, b *rooms.Speaker) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Sub == b.Sub
}

// speakerName is how a speaker is named in the record: the name from their
// token, or its subject if the token had no name; "" for nobody.
func speakerName(sp *rooms.Speaker) string {
	if sp == nil {
		return ""
	}
	if name := oneLine(sp.Name); name != "" {
		return name
	}
	return oneLine(sp.Sub)
}

// words splits text at white space after making it safe to write: invalid
// UTF-8 becomes U+FFFD and control characters go, so that no input can end a
// cue early or send escape sequences to a terminal.
func words(text string) []string {
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
	return strings.Fields(text)
}

// oneLine is text as a single line with single spaces.
func oneLine(text string) string {
	return strings.Join(words(text), " ")
}
