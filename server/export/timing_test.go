package export_test

import (
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// TestExportTiming checks the timing rule every format shares, through the
// seconds of the JSON record.
func TestExportTiming(t *testing.T) {
	const s = time.Second
	seg := func(id uint64, start, updated time.Duration) rooms.Segment {
		return rooms.Segment{ID: id, Text: "words", Final: true, Start: at(start), Updated: at(updated)}
	}
	tests := []struct {
		name string
		segs []rooms.Segment
		want [][2]float64 // start_s, end_s of each
	}{
		{"ends when finished", []rooms.Segment{seg(1, 10*s, 14*s), seg(2, 20*s, 25*s)},
			[][2]float64{{10, 14}, {20, 25}}},
		{"replaced by the next line", []rooms.Segment{seg(1, 10*s, 30*s), seg(2, 20*s, 25*s)},
			[][2]float64{{10, 20}, {20, 25}}},
		{"at least a second", []rooms.Segment{seg(1, 10*s, 10*s), seg(2, 10*s+300*time.Millisecond, 12*s)},
			[][2]float64{{10, 11}, {10.3, 12}}},
		{"before the session counts from 0", []rooms.Segment{seg(1, -time.Minute, 2*s)},
			[][2]float64{{0, 2}}},
		{"sent finished: shown as long as it takes to read", []rooms.Segment{{ID: 1, Text: "x", Final: true, Start: at(5 * s), Updated: at(5 * s)}},
			[][2]float64{{5, 6.05}}},
		{"corrected much later: still the time to read", []rooms.Segment{{ID: 1, Text: "words", Final: true, Corrected: true, Start: at(5 * s), Updated: at(300 * s)}},
			[][2]float64{{5, 6.25}}},
		{"starts never go backwards", []rooms.Segment{seg(1, 10*s, 12*s), seg(2, 8*s, 15*s)},
			[][2]float64{{10, 12}, {10, 15}}},
		{"milliseconds kept", []rooms.Segment{seg(1, 9123*time.Millisecond+999*time.Microsecond, 12*s)},
			[][2]float64{{9.123, 12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := exportJSON(t, rooms.FloorLanguage, tt.segs)
			var got [][2]float64
			for _, s := range rec.Segments {
				got = append(got, [2]float64{s.StartS, s.EndS})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %v, want %v in\n%s", got, tt.want, doc)
				}
			}
		})
	}
}
