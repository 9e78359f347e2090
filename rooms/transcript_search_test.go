package rooms_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// searchChannel is a floor channel from a NETmundial-like plenary, in
// transcript order. Segment 7 is still being written.
var searchChannel = []rooms.Segment{
	{ID: 1, Final: true, Text: "Good morning and welcome to São Paulo."},
	{ID: 2, Final: true, Text: "Civil society asks for meaningful remote participation in Internet governance."},
	{ID: 3, Final: true, Text: "A participação remota é essencial para a governança da Internet."},
	{ID: 4, Final: true, Text: "La GOBERNANZA de Internet debe ser multisectorial, según la hoja de ruta."},
	{ID: 5, Final: true, Text: "感谢主席。互联网治理需要所有利益相关方的共同参与。"},
	{ID: 6, Final: true, Text: "شكرا سيدي الرئيس. نحن ندعم الحوكمة متعددة أصحاب المصلحة."},
	{ID: 7, Final: false, Text: "Remote hubs in Nairobi and Dhaka are following the governance debate"},
	{ID: 8, Final: true, Text: "Die Straße zur Zusammenarbeit führt über Łódź und Kraków."},
	{ID: 9, Final: true, Text: "Governance, governance and more governance."},
}

func TestSearchSegments(t *testing.T) {
	tests := []struct {
		name  string
		query string
		limit int
		want  []uint64
	}{
		{"word part", "govern", 0, []uint64{2, 3, 9}},
		{"case", "INTERNET", 0, []uint64{2, 3, 4}},
		{"accents in the text", "participacao", 0, []uint64{3}},
		{"accents in the query", "gobernánza según", 0, []uint64{4}},
		{"accents both ways", "Sao PAULO", 0, []uint64{1}},
		{"letters beyond the ASCII base", "strasse lodz krakow", 0, []uint64{8}},
		{"every word must match", "remote governance", 0, []uint64{2}},
		{"words in any order", "governance remote", 0, []uint64{2}},
		{"no segment has both", "remote gobernanza", 0, nil},
		{"punctuation around the query", "\"governance,\"", 0, []uint64{2, 9}},
		{"Chinese by substring", "治理", 0, []uint64{5}},
		{"Chinese and Latin together", "互联网 主席", 0, []uint64{5}},
		{"Arabic", "الحوكمة", 0, []uint64{6}},
		{"lines still being written are left out", "Nairobi", 0, nil},
		{"limit keeps the first", "internet", 2, []uint64{2, 3}},
		{"empty query", "", 0, nil},
		{"only spaces", " \t\n ", 0, nil},
		{"only punctuation", "?!", 0, nil},
		{"nothing matches", "blockchain", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchIDs(rooms.SearchSegments(searchChannel, tt.query, tt.limit)); !slices.Equal(got, tt.want) {
				t.Errorf("SearchSegments(%q, %d) = %v, want %v", tt.query, tt.limit, got, tt.want)
			}
		})
	}
}

// TestSearchSegmentsDefaultLimit checks that a limit of 0 or less stands for
// 100 results, the first 100 in transcript order.
func TestSearchSegmentsDefaultLimit(t *testing.T) {
	var segs []rooms.Segment
	for i := range 250 {
		segs = append(segs, rooms.Segment{ID: uint64(i + 1), Final: true, Text: "Point of order number " + strconv.Itoa(i+1)})
	}
	for _, limit := range []int{0, -1} {
		got := rooms.SearchSegments(segs, "order", limit)
		if len(got) != 100 || got[0].ID != 1 || got[99].ID != 100 {
			t.Errorf("limit %d: %d results, from %d to %d; want 1 to 100", limit, len(got), got[0].ID, got[len(got)-1].ID)
		}
	}
}

func searchIDs(segs []rooms.Segment) []uint64 {
	var ids []uint64
	for _, s := range segs {
		ids = append(ids, s.ID)
	}
	return ids
}
