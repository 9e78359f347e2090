package export_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-hub/parley/server/export"
)

var srtTiming = regexp.MustCompile(`^(\d{2}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d),(\d{3})$`)

// TestWriteSRT checks the SubRip structure: cues numbered from 1, a timing
// line with comma decimals, non-empty text, a blank line after each cue,
// and every speaker named before their words.
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
		"Amina Diallo: The multistakeholder model → works",
		"João Carlos Pereira: Obrigado.",
		"ليلى حداد: شكرا",
		"王伟: 感谢主席。",
		"u-7f3a: Is 2 < 3 && 4 > 1?",
	} {
		if !strings.Contains(strings.Join(text, "\n"), want) {
			t.Errorf("no cue holds %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "Obrigado, senhora Pre") || strings.Contains(doc, "I would like to add") {
		t.Errorf("a line still being written is in the record:\n%s", doc)
	}
}
