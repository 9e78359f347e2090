package relay

import (
	"testing"
	"time"
)

// TestVideoChoiceDropsVideoOnLossAndTriesAgainWithAGrowingHold walks the
// choice through windows: a lossy window drops video, it comes back after
// the hold, fails again soon and waits twice as long, and a hold resets
// once video has lasted.
func TestVideoChoiceDropsVideoOnLossAndTriesAgainWithAGrowingHold(t *testing.T) {
	t0 := time.Date(2026, 4, 23, 9, 0, 0, 0, time.UTC)
	c := newVideoChoice(false, t0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	steps := []struct {
		at             time.Duration
		due, received  uint64
		changed, video bool
	}{
		{5 * time.Second, 250, 240, false, true},           // 4% lost: video stays
		{10 * time.Second, 20, 0, false, true},             // too few to judge
		{15 * time.Second, 250, 200, true, false},          // 20% lost: audio-only for 30 s
		{40 * time.Second, 0, 0, false, false},             // still holding
		{45 * time.Second, 0, 0, true, true},               // tries video again
		{50 * time.Second, 250, 100, true, false},          // fails at once: 60 s this time
		{105 * time.Second, 0, 0, false, false},            // holding
		{110 * time.Second, 0, 0, true, true},              // again
		{110*time.Second + goodFor, 250, 250, false, true}, // video lasts
		{115*time.Second + goodFor, 250, 150, true, false}, // then fails: the hold is back to 30 s
		{140*time.Second + goodFor, 0, 0, false, false},
		{145*time.Second + goodFor, 0, 0, true, true},
	}
	for i, s := range steps {
		if got := c.window(at(s.at), s.due, s.received); got != s.changed || c.video() != s.video {
			t.Fatalf("step %d (%s): changed %v video %v, want %v %v; %+v", i, s.at, got, c.video(), s.changed, s.video, c.status)
		}
	}
	if c.status.Mode != ModeVideo || c.status.Reason == "" {
		t.Errorf("status %+v", c.status)
	}
}

func TestVideoChoiceForcedAudioOnlyStays(t *testing.T) {
	t0 := time.Now()
	c := newVideoChoice(true, t0)
	for i := range 10 {
		if c.window(t0.Add(time.Duration(i)*time.Hour), 0, 0) || c.video() {
			t.Fatalf("--audio-only changed to %+v", c.status)
		}
	}
}

func TestSeqCountCountsDueAndReceivedAcrossAWrap(t *testing.T) {
	var c seqCount
	for _, seq := range []uint16{65530, 65531, 65533, 65535, 0, 2, 1} {
		c.add(seq)
	}
	if due, got := c.window(); due != 9 || got != 7 {
		t.Errorf("window: %d due, %d received; want 9 and 7", due, got)
	}
	c.add(3)
	if due, got := c.window(); due != 1 || got != 1 {
		t.Errorf("next window: %d due, %d received; want 1 and 1", due, got)
	}
}
