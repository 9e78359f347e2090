package export_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

// FuzzWriteVTT feeds captioner text, speaker names and timings to WriteVTT
// and requires a WebVTT file that parses and keeps every visible character.
func FuzzWriteVTT(f *testing.F) {
	for _, s := range plenary() {
		name := ""
		if s.Speaker != nil {
			name = s.Speaker.Name
		}
		f.Add(s.Text, name, int64(800), int64(4000))
	}
	f.Add("a --> b\n\nWEBVTT\n00:00:01.000 --> 00:00:02.000", "<v x>", int64(0), int64(0))
	f.Add("&amp; <b>bold</b> &lt;", "A & B > C", int64(-5000), int64(-1))
	f.Add(strings.Repeat("supercalifragilistic", 20), "", int64(100), int64(1))
	f.Add("e\u0301\u0301\u0301 \x00\x1b[31m\r\u2028\u0085 \xff\xfe", "\u200d", int64(1), int64(1))
	f.Fuzz(func(t *testing.T, text, name string, gapMS, lenMS int64) {
		// Offsets within a day either way: the room's clock cannot be further off.
		const day = int64(24 * time.Hour / time.Millisecond)
		gap := time.Duration(gapMS%day) * time.Millisecond
		length := time.Duration(lenMS%day) * time.Millisecond
		speaker := &rooms.Speaker{Sub: "u-fuzz", Name: name}
		segs := []rooms.Segment{
			{ID: 1, Text: "Opening.", Final: true, Start: at(time.Minute), Updated: at(time.Minute + time.Second)},
			{ID: 2, Text: text, Final: true, Start: at(time.Minute + gap), Updated: at(time.Minute + gap + length), Speaker: speaker},
			{ID: 3, Text: text, Final: true, Start: at(time.Minute + 2*gap), Updated: at(time.Minute + 2*gap + length)},
			{ID: 4, Text: text, Start: at(time.Minute + 3*gap)},
		}
		var out strings.Builder
		if err := export.WriteVTT(&out, sessionStart, segs); err != nil {
			t.Fatal(err)
		}
		cues, err := parseVTT(out.String())
		if err != nil {
			t.Fatalf("%v in\n%s", err, out.String())
		}
		bySeg := cuesBySegment(t, cues)
		for _, s := range segs[1:] {
			want := squeeze(s.Text)
			if got := squeeze(strings.Join(bySeg[s.ID].text, "")); got != want {
				t.Errorf("segment %d: cues hold %q, want %q", s.ID, got, want)
			}
		}
	})
}
