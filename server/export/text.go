package export

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// textWidth is the line length of plain-text paragraphs, which read well in
// any editor and in print.
const textWidth = 72

// WriteText writes the record as plain text for people to read: a header
// with the title, language and session start in UTC, then one paragraph per
// turn, headed by its time and who spoke:
//
//	[00:12:05] Amina Diallo (civil society, Africa):
//
// A turn is a run of consecutive segments with the same speaker, or with
// nobody on the floor.
func WriteText(w io.Writer, title string, lang string, start time.Time, segs []rooms.Segment) error {
	bw := bufio.NewWriter(w)
	// bufio keeps the first write error and returns it from Flush.
	bw.WriteString("Transcript: " + oneLine(title) + "\n")
	bw.WriteString("Language: " + languageName(lang) + "\n")
	bw.WriteString("Session start: " + start.UTC().Format(time.DateTime) + " UTC\n")
	rec := record(start, segs)
	for len(rec) > 0 {
		n := 1
		for n < len(rec) && sameSpeaker(rec[0].seg.Speaker, rec[n].seg.Speaker) {
			n++
		}
		var text []string
		for _, e := range rec[:n] {
			text = append(text, words(e.seg.Text)...)
		}
		bw.WriteString("\n[" + clock(rec[0].start, "") + "] " + heading(rec[0].seg.Speaker) + ":\n")
		for _, line := range wrap(text, textWidth) {
			bw.WriteString(line + "\n")
		}
		rec = rec[n:]
	}
	return bw.Flush()
}

// heading names a turn's speaker with their stakeholder group and region in
// plain words. Gender and mode are left out: they are counted for the
// balance, which publishes them only as aggregates.
func heading(sp *rooms.Speaker) string {
	if sp == nil {
		return "(no speaker on the floor)"
	}
	var about []string
	for _, category := range []string{sp.Group, sp.Region} {
		if category != "" {
			about = append(about, queue.Label(oneLine(category)))
		}
	}
	if len(about) == 0 {
		return speakerName(sp)
	}
	return speakerName(sp) + " (" + strings.Join(about, ", ") + ")"
}

func languageName(lang string) string {
	if lang == rooms.FloorLanguage {
		return "floor (the words as spoken)"
	}
	return oneLine(lang)
}
