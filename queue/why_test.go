package queue_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-hub/parley/queue"
)

// A reason travels as a code and figures a page can translate; its English
// text is made from the same figures.
func TestWhyCarriesWhatTheTextSays(t *testing.T) {
	asked := time.Date(2014, 4, 23, 10, 2, 0, 0, time.UTC)
	tests := []struct {
		why  queue.Why
		text string
		json string
	}{
		{queue.Why{Code: queue.WhyShare, Category: "civil-society", Measure: queue.MeasureTime, Share: 0.12, Target: 0.2},
			"civil society has had 12% of speaking time against a 20% target",
			`{"code":"share","category":"civil-society","measure":"time","share":0.12,"target":0.2}`},
		{queue.Why{Code: queue.WhyBefore, Category: "man", Measure: queue.MeasureTurns, Share: 0.75, Target: 0.5},
			"taken before men, who have had 75% of turns against a 50% target",
			`{"code":"before","category":"man","measure":"turns","share":0.75,"target":0.5}`},
		{queue.Why{Code: queue.WhyAfter, Ahead: 2, Category: "civil-society", Measure: queue.MeasureTime, Share: 0.1, Target: 0.2},
			"2 later requests go first: civil society has had 10% of speaking time against a 20% target",
			`{"code":"after","category":"civil-society","measure":"time","share":0.1,"target":0.2,"ahead":2}`},
		{queue.Why{Code: queue.WhyWaiting, Ahead: 4}, "behind 4 requests made earlier", `{"code":"waiting","ahead":4}`},
		{queue.Why{Code: queue.WhyWaiting}, "nobody waiting asked earlier", `{"code":"waiting"}`},
		{queue.Why{Code: queue.WhySkipped, Note: "not in the room"}, "passed over once by the chair: not in the room", `{"code":"skipped","note":"not in the room"}`},
		{queue.Why{Code: queue.WhyRotation, Round: 2, Slot: 3, Slots: 6, Category: "civil-society"},
			"rotation: round 2, slot 3 of 6, civil society",
			`{"code":"rotation","round":2,"slot":3,"slots":6,"category":"civil-society"}`},
		{queue.Why{Code: queue.WhyFIFO, AskedAt: asked},
			"first come, first served: asked at 10:02:00 UTC",
			`{"code":"fifo","asked_at":"2014-04-23T10:02:00Z"}`},
		{queue.Why{Code: queue.WhyOverdue, Passes: 1}, "passed over once, the most allowed: nobody more goes ahead", `{"code":"overdue","passes":1}`},
		{queue.Why{Code: queue.WhyDue, AskedAt: asked, MaxWaitS: 6300},
			"asked at 10:02:00 UTC, the earliest waiting: the next in balance would keep someone waiting more than 105 minutes",
			`{"code":"due","asked_at":"2014-04-23T10:02:00Z","max_wait_s":6300}`},
		{queue.Why{Code: queue.WhyAfter, Ahead: 1, MaxWaitS: 90},
			"1 later request goes first: due, or someone would wait more than 1.5 minutes",
			`{"code":"after","max_wait_s":90,"ahead":1}`},
		{queue.Why{Code: queue.WhyPointOfOrder}, "point of order: taken before other speakers", `{"code":"point_of_order"}`},
		{queue.Why{Code: queue.WhyBelowTarget}, "balanced: placed by how far its categories and those around it stand from their targets", `{"code":"below_target"}`},
	}
	for _, tc := range tests {
		if got := tc.why.Text(); got != tc.text {
			t.Errorf("%s: text %q, want %q", tc.why.Code, got, tc.text)
		}
		if b, _ := json.Marshal(tc.why); string(b) != tc.json {
			t.Errorf("%s: JSON %s, want %s", tc.why.Code, b, tc.json)
		}
	}
}
