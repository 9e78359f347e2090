package export_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/export"
)

func TestWriteVTT(t *testing.T) {
	var out strings.Builder
	if err := export.WriteVTT(&out, sessionStart, plenary()); err != nil {
		t.Fatal(err)
	}
	cues, err := parseVTT(out.String())
	if err != nil {
		t.Fatalf("%v in\n%s", err, out.String())
	}
	bySeg := cuesBySegment(t, cues)
	for _, seg := range plenary() {
		got, want := bySeg[seg.ID], squeeze(seg.Text)
		if !slices.Contains(onRecord, seg.ID) {
			want = ""
		}
		if squeeze(strings.Join(got.text, "")) != want {
			t.Errorf("segment %d: cue text %q, want the words of %q", seg.ID, got.text, want)
		}
	}
	for _, c := range cues {
		for _, line := range c.text {
			if utf8.RuneCountInString(line) > 42 {
				t.Errorf("cue %s: line %q is longer than a caption line", c.id, line)
			}
		}
		if len(c.text) > 2 {
			t.Errorf("cue %s has %d lines, want at most 2", c.id, len(c.text))
		}
	}
	for _, want := range []string{"&amp; asks", "&lt;hubs&gt;", "model --&gt; works", "<v Amina Diallo>Thank", "<v u-7f3a>Is 2 &lt; 3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWriteVTTVoices(t *testing.T) {
	var out strings.Builder
	if err := export.WriteVTT(&out, sessionStart, plenary()); err != nil {
		t.Fatal(err)
	}
	cues, err := parseVTT(out.String())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"3": "", "5": "Amina Diallo", "9": "João Carlos Pereira", "11": "ليلى حداد", "12": "王伟", "13": "u-7f3a", "14": ""}
	for _, c := range cues {
		id, _, _ := strings.Cut(c.id, "-")
		if v, ok := want[id]; ok && c.voice != v {
			t.Errorf("cue %s: voice %q, want %q", c.id, c.voice, v)
		}
	}
}

// TestWriteVTTSplitsLongSegments checks that a segment too long for one cue
// becomes several in a row, which share its time from start to end.
func TestWriteVTTSplitsLongSegments(t *testing.T) {
	var out strings.Builder
	if err := export.WriteVTT(&out, sessionStart, plenary()); err != nil {
		t.Fatal(err)
	}
	cues, err := parseVTT(out.String())
	if err != nil {
		t.Fatal(err)
	}
	var parts []vttCue
	for _, c := range cues {
		if strings.HasPrefix(c.id, "6-") {
			parts = append(parts, c)
		}
	}
	if len(parts) < 2 {
		t.Fatalf("segment 6 is in %d cues, want several", len(parts))
	}
	if first, last := parts[0], parts[len(parts)-1]; first.start != hms(0, 12, 20) || last.end != hms(0, 12, 51) {
		t.Errorf("segment 6 runs %v to %v, want 12m20s to 12m51s", first.start, last.end)
	}
	for i, c := range parts {
		if c.id != "6-"+strconv.Itoa(i+1) {
			t.Errorf("part %d is identified %q", i+1, c.id)
		}
		if i > 0 && c.start != parts[i-1].end {
			t.Errorf("part %d starts at %v, want the end of part %d, %v", i+1, c.start, i, parts[i-1].end)
		}
	}
}

func TestWriteVTTEmpty(t *testing.T) {
	var out strings.Builder
	if err := export.WriteVTT(&out, sessionStart, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "WEBVTT\n" {
		t.Errorf("got %q", out.String())
	}
}

// A segment that opens within a second of the one before overlaps it by the
// minimum duration; the cues must still come in the order they start.
func TestWriteVTTQuickSuccession(t *testing.T) {
	long := strings.Repeat("the floor is given to the next speaker ", 12)
	segs := []rooms.Segment{
		{ID: 1, Text: long, Final: true, Start: at(time.Minute), Updated: at(time.Minute)},
		{ID: 2, Text: "Next.", Final: true, Start: at(time.Minute + 200*time.Millisecond), Updated: at(time.Minute + 200*time.Millisecond)},
		{ID: 3, Text: long, Final: true, Start: at(time.Minute + 200*time.Millisecond), Updated: at(2 * time.Minute)},
		{ID: 4, Text: "Same instant.", Final: true, Start: at(time.Minute + 200*time.Millisecond), Updated: at(time.Minute)},
	}
	var out strings.Builder
	if err := export.WriteVTT(&out, sessionStart, segs); err != nil {
		t.Fatal(err)
	}
	if _, err := parseVTT(out.String()); err != nil {
		t.Fatalf("%v in\n%s", err, out.String())
	}
}

// cuesBySegment gathers the cues of each segment, whose ID leads the cue
// identifier, and checks that a segment's cues are not interleaved with
// another's.
func cuesBySegment(t *testing.T, cues []vttCue) map[uint64]vttCue {
	t.Helper()
	out := map[uint64]vttCue{}
	var last uint64
	for _, c := range cues {
		head, _, _ := strings.Cut(c.id, "-")
		id, err := strconv.ParseUint(head, 10, 64)
		if err != nil {
			t.Fatalf("cue identifier %q does not name a segment", c.id)
		}
		if _, seen := out[id]; seen && id != last {
			t.Errorf("cues of segment %d are not together", id)
		}
		got := out[id]
		got.text = append(got.text, c.text...)
		out[id], last = got, id
	}
	return out
}

// squeeze keeps the characters a reader sees: white space, which the
// captions rearrange, and control characters, which they drop, go.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
