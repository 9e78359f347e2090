package rooms

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSplitCaption(t *testing.T) {
	tests := []struct {
		name    string
		open    string
		hasOpen bool
		body    string
		want    []lineChange
	}{
		{"new partial line", "", false, "Good morning", []lineChange{{text: "Good morning"}}},
		{"extends the open line", "Good ", true, "morning", []lineChange{{text: "Good morning", continues: true}}},
		{"newline finishes it", "Good morning", true, "\n", []lineChange{{text: "Good morning", final: true, continues: true}}},
		{"finish and start", "Thank", true, " you.\nNext", []lineChange{
			{text: "Thank you.", final: true, continues: true}, {text: "Next"}}},
		{"backspace corrects", "Internet governanse", true, "\b\bce", []lineChange{{text: "Internet governance", continues: true}}},
		{"backspace across runes", "São Paulü", true, "\bo", []lineChange{{text: "São Paulo", continues: true}}},
		{"backspace never reaches final text", "", false, "\b\b\bHello", []lineChange{{text: "Hello"}}},
		{"blank lines make no segments", "", false, "\n\nHello\n\n", []lineChange{{text: "Hello", final: true}}},
		{"empty body changes nothing", "Good", true, "", nil},
		{"control characters dropped, tabs spaced", "", false, "a\x07b\tc\r", []lineChange{{text: "ab c"}}},
		{"Arabic", "", false, "صباح الخير\n", []lineChange{{text: "صباح الخير", final: true}}},
	}
	for _, tc := range tests {
		if got := splitCaption(tc.open, tc.hasOpen, tc.body); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestLongLinesAreSplit(t *testing.T) {
	got := splitCaption("", false, strings.Repeat("a", MaxLine+10))
	if len(got) != 2 || !got[0].final || len([]rune(got[0].text)) != MaxLine || got[1].text != strings.Repeat("a", 10) {
		t.Errorf("got %d changes: %+v", len(got), got)
	}
}

// FuzzSplitCaption: whatever a captioner's software sends, lines are valid
// text without control characters, within MaxLine, and only the last one
// may be left open.
func FuzzSplitCaption(f *testing.F) {
	for _, seed := range []string{"Hello\nWorld", "\b\b\bx", "a\tb\r\n", "São\bo", strings.Repeat("x", MaxLine+1), "\xff\xfe"} {
		f.Add("open", true, seed)
	}
	f.Fuzz(func(t *testing.T, open string, hasOpen bool, body string) {
		if strings.ContainsFunc(open, unicode.IsControl) || !utf8.ValidString(open) || utf8.RuneCountInString(open) > MaxLine {
			return // the open line was made by an earlier call
		}
		got := splitCaption(open, hasOpen, body)
		for i, l := range got {
			if !utf8.ValidString(l.text) || strings.ContainsFunc(l.text, unicode.IsControl) || utf8.RuneCountInString(l.text) > MaxLine {
				t.Fatalf("line %d = %q", i, l.text)
			}
			if !l.final && i != len(got)-1 {
				t.Fatalf("line %d is open but not last: %+v", i, got)
			}
			if l.continues && i != 0 {
				t.Fatalf("line %d continues the open line but is not first: %+v", i, got)
			}
		}
	})
}

// BenchmarkCaptionBody applies 64 KiB caption bodies to a channel in memory,
// past the store: split into lines, folded as entries, and the changed
// segments gathered, as a post does. Each byte should cost the same
// whatever the body holds (ns/byte), however many lines it makes.
func BenchmarkCaptionBody(b *testing.B) {
	const size = 64 << 10
	bodies := map[string]string{
		"short-lines": strings.Repeat("a\n", size/2),
		"one-line":    strings.Repeat("word ", size/5),
		"backspaces":  strings.Repeat("x", MaxLine-1) + strings.Repeat("a\b", (size-MaxLine)/2),
	}
	for name, body := range bodies {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				c := NewChannel("plenary", "en")
				lines := splitCaption("", false, body)
				entries := make([]Event, len(lines))
				for i, l := range lines {
					entries[i] = Event{Seq: uint64(i + 1), Type: EvSegmentOpened, Data: mustMarshal(SegmentChange{Text: l.text, Final: l.final})}
					c.Apply(entries[i])
				}
				changedSegments(c, entries)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(body)), "ns/byte")
		})
	}
}

func mustMarshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}
