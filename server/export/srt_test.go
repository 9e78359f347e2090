package export_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

var srtTiming = regexp.MustCompile(`^(\d{2}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d),(\d{3})$`)

// TestWriteSRT checks the SubRip structure: cues numbered from 1, a timing
// line with comma decimals, non-empty text, a blank line after each cue,
// every speaker named before their words, markup escaped as in WebVTT, and
// the line still being written at the end.
func TestWriteSRT(t *testing.T) {
	var out strings.Builder
	if err := export.WriteSRT(&out, sessionStart, plenary()); err != nil {
		t.Fatal(err)
	}
	doc := out.String()
	if !strings.HasSuffix(doc, "\n\n") {
		t.Fatalf("the last cue is not followed by a blank line:\n%s", doc)
	}
	blocks := strings.Split(strings.TrimSuffix(doc, "\n\n"), "\n\n")
	var text []string
	for i, block := range blocks {
		lines := strings.Split(block, "\n")
		if len(lines) < 3 || len(lines) > 4 {
			t.Fatalf("cue %d has %d lines: %q", i+1, len(lines), block)
		}
		if lines[0] != strconv.Itoa(i+1) {
			t.Errorf("cue %d is numbered %q", i+1, lines[0])
		}
		m := srtTiming.FindStringSubmatch(lines[1])
		if m == nil {
			t.Fatalf("cue %d: timing line %q", i+1, lines[1])
		}
		if start, end := strings.Join(m[1:5], ""), strings.Join(m[5:9], ""); end <= start {
			t.Errorf("cue %d ends before it starts: %q", i+1, lines[1])
		}
		for _, line := range lines[2:] {
			if strings.TrimSpace(line) == "" || strings.Contains(line, "-->") {
				t.Errorf("cue %d: text line %q", i+1, line)
			}
		}
		text = append(text, strings.Join(lines[2:], " "))
	}
	for _, want := range []string{
		"Amina Diallo: Thank you, Chair.",
		"&amp; asks",
		"&lt;hubs&gt;",
		"Amina Diallo: The multistakeholder model --&gt; works",
		"João Carlos Pereira: Obrigado.",
		"ليلى حداد: شكرا",
		"王伟: 感谢主席。",
		"u-7f3a: Is 2 &lt; 3 &amp;&amp; 4 &gt; 1?",
		"Amina Diallo: I would like to add",
	} {
		if !strings.Contains(strings.Join(text, "\n"), want) {
			t.Errorf("no cue holds %q:\n%s", want, doc)
		}
	}
}

// A speaker's words that look like SubRip's markup stay words.
func TestWriteSRTEscapesMarkup(t *testing.T) {
	var out strings.Builder
	segs := []rooms.Segment{{ID: 1, Text: `<i>not italic</i> <font color="red">x</font> & more`, Final: true, Start: at(time.Second)}}
	if err := export.WriteSRT(&out, sessionStart, segs); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(strings.SplitN(out.String(), "\n", 3)[2], "<>") {
		t.Errorf("markup left in the cue text:\n%s", out.String())
	}
	if want := "&lt;i&gt;not italic&lt;/i&gt;"; !strings.Contains(out.String(), want) {
		t.Errorf("no %q in\n%s", want, out.String())
	}
}
