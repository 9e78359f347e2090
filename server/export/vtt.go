package export

import (
	"bufio"
	"io"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// WriteVTT writes the record as WebVTT captions, timed from start. Each cue
// is identified by its segment's ID (see captions for a segment split over
// several cues) and, when someone held the floor, opens with a voice span
// naming them (<v Amina Diallo>), which players can show or style.
func WriteVTT(w io.Writer, start time.Time, segs []rooms.Segment) error {
	bw := bufio.NewWriter(w)
	// bufio keeps the first write error and returns it from Flush.
	bw.WriteString("WEBVTT\n")
	for _, c := range captions(start, segs, false) {
		bw.WriteString("\n" + c.id + "\n" + clock(c.start, ".") + " --> " + clock(c.end, ".") + "\n")
		if c.speaker != "" {
			bw.WriteString("<v " + escapeMarkup.Replace(c.speaker) + ">")
		}
		for _, line := range c.lines {
			bw.WriteString(escapeMarkup.Replace(line) + "\n")
		}
	}
	return bw.Flush()
}
