package export_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// vttCue is a cue as a WebVTT reader sees it, with the text unescaped.
type vttCue struct {
	id         string
	start, end time.Duration
	voice      string
	text       []string
}

var (
	vttTiming    = regexp.MustCompile(`^(\S+) --> (\S+)(?: .*)?$`)
	vttTimestamp = regexp.MustCompile(`^(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})$`)
	vttEntity    = regexp.MustCompile(`&(?:amp|lt|gt);`)
	vttVoice     = regexp.MustCompile(`^<v ([^<>]+)>`)
	vttUnescape  = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
)

// parseVTT reads a WebVTT file as Parley writes it and checks what the
// WebVTT specification requires of one: the header, blocks separated by
// blank lines, an optional identifier, a timing line, non-empty text lines
// with no "-->", cue starts that never go backwards and ends after starts.
// It is stricter than a browser on cue text: the only markup allowed is a
// leading voice span, and every "&" must start one of the three escapes.
func parseVTT(doc string) ([]vttCue, error) {
	if !strings.HasPrefix(doc, "WEBVTT\n") {
		return nil, fmt.Errorf("no WEBVTT header line")
	}
	if !strings.HasSuffix(doc, "\n") || strings.Contains(doc, "\r") {
		return nil, fmt.Errorf("lines must end in LF, the last one too")
	}
	blocks := strings.Split(strings.TrimSuffix(doc, "\n"), "\n\n")
	if blocks[0] != "WEBVTT" {
		return nil, fmt.Errorf("header block is %q", blocks[0])
	}
	var cues []vttCue
	for n, block := range blocks[1:] {
		c, err := parseCue(strings.Split(block, "\n"))
		if err != nil {
			return nil, fmt.Errorf("cue %d: %w", n+1, err)
		}
		if len(cues) > 0 && c.start < cues[len(cues)-1].start {
			return nil, fmt.Errorf("cue %d starts at %v, before the cue ahead of it", n+1, c.start)
		}
		cues = append(cues, c)
	}
	return cues, nil
}

func parseCue(lines []string) (vttCue, error) {
	var c vttCue
	if len(lines) > 0 && !strings.Contains(lines[0], "-->") {
		c.id, lines = lines[0], lines[1:]
		if c.id == "" {
			return c, fmt.Errorf("empty line inside the block")
		}
	}
	if len(lines) < 2 {
		return c, fmt.Errorf("a cue needs a timing line and text, got %q", lines)
	}
	m := vttTiming.FindStringSubmatch(lines[0])
	if m == nil {
		return c, fmt.Errorf("timing line %q", lines[0])
	}
	var err error
	if c.start, err = parseTimestamp(m[1]); err != nil {
		return c, err
	}
	if c.end, err = parseTimestamp(m[2]); err != nil {
		return c, err
	}
	if c.end <= c.start {
		return c, fmt.Errorf("ends at %v, not after its start %v", c.end, c.start)
	}
	for i, line := range lines[1:] {
		if line == "" || strings.Contains(line, "-->") {
			return c, fmt.Errorf("text line %q", line)
		}
		if v := vttVoice.FindStringSubmatch(line); i == 0 && v != nil {
			c.voice, line = vttUnescape.Replace(v[1]), line[len(v[0]):]
		}
		bare := vttEntity.ReplaceAllString(line, "")
		if strings.ContainsAny(bare, "<>&") {
			return c, fmt.Errorf("unescaped markup in %q", line)
		}
		c.text = append(c.text, vttUnescape.Replace(line))
	}
	return c, nil
}

func parseTimestamp(s string) (time.Duration, error) {
	m := vttTimestamp.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("timestamp %q", s)
	}
	h, _ := strconv.Atoi(m[1]) // absent hours are 0
	mins, _ := strconv.Atoi(m[2])
	secs, _ := strconv.Atoi(m[3])
	ms, _ := strconv.Atoi(m[4])
	if mins > 59 || secs > 59 {
		return 0, fmt.Errorf("timestamp %q out of range", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute +
		time.Duration(secs)*time.Second + time.Duration(ms)*time.Millisecond, nil
}
