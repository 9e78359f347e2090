package export

import (
	"bufio"
	"io"
	"strconv"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// WriteSRT writes the record as SubRip captions, timed from start: cues
// numbered from 1, each segment's text led by its speaker's name
// ("Amina Diallo: ..."), a blank line after every cue. Text is escaped as in
// WebVTT: SRT has no escapes of its own, and readers take its markup (<i>,
// <font>) from HTML, character references with it.
func WriteSRT(w io.Writer, start time.Time, segs []rooms.Segment) error {
	bw := bufio.NewWriter(w)
	// bufio keeps the first write error and returns it from Flush.
	for i, c := range captions(start, segs, true) {
		bw.WriteString(strconv.Itoa(i+1) + "\n" + clock(c.start, ",") + " --> " + clock(c.end, ",") + "\n")
		for _, line := range c.lines {
			bw.WriteString(escapeMarkup.Replace(line) + "\n")
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}
