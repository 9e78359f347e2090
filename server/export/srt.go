package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// SRT has no escapes, and many readers take any line holding "-->" for a
// timing line, so the arrow a speaker's text might contain is written as the
// character it stands for.
var srtArrow = strings.NewReplacer("-->", "→")

// WriteSRT writes the record as SubRip captions, timed from start: cues
// numbered from 1, each segment's text led by its speaker's name
// ("Amina Diallo: ..."), a blank line after every cue.
func WriteSRT(w io.Writer, start time.Time, segs []rooms.Segment) error {
	bw := bufio.NewWriter(w)
	// bufio keeps the first write error and returns it from Flush.
	for i, c := range captions(start, segs, true) {
		bw.WriteString(strconv.Itoa(i+1) + "\n" + clock(c.start, ",") + " --> " + clock(c.end, ",") + "\n")
		for _, line := range c.lines {
			bw.WriteString(srtArrow.Replace(line) + "\n")
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}
