package relay

import (
	"fmt"
	"sync"
	"time"
)

// How the relay decides that the link cannot carry video: over each
// window of lossWindow, the share of the video's packets that never came
// (after NACK recovery), judged once at least minJudged were due. Past
// maxVideoLoss the upstream session is reopened without video, and video
// is tried again after a hold that starts at firstHold and doubles, up to
// maxHold, each time video fails again within goodFor of coming back.
const (
	lossWindow   = 5 * time.Second
	minJudged    = 50
	maxVideoLoss = 0.10
	firstHold    = 30 * time.Second
	maxHold      = 10 * time.Minute
	goodFor      = 2 * time.Minute
)

// Upstream media modes.
const (
	ModeVideo     = "video"
	ModeAudioOnly = "audio-only"
)

// MediaStatus says what the upstream media session carries and why.
type MediaStatus struct {
	// Mode is ModeVideo (audio, and video when the main server sends it)
	// or ModeAudioOnly.
	Mode   string    `json:"mode"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
	// RetryVideoAt is when an audio-only mode chosen for the link tries
	// video again.
	RetryVideoAt *time.Time `json:"retry_video_at,omitempty"`
	// VideoLoss is the share of the video's packets lost over the last
	// window judged.
	VideoLoss float64 `json:"video_loss"`
}

// videoChoice decides whether the upstream session asks for video.
type videoChoice struct {
	forced bool // --audio-only
	status MediaStatus
	hold   time.Duration
}

func newVideoChoice(audioOnly bool, now time.Time) videoChoice {
	if audioOnly {
		return videoChoice{forced: true, status: MediaStatus{Mode: ModeAudioOnly, Reason: "asked for (--audio-only)", Since: now}}
	}
	return videoChoice{status: MediaStatus{Mode: ModeVideo, Reason: "the link has not been judged yet", Since: now}}
}

func (c *videoChoice) video() bool { return c.status.Mode == ModeVideo }

// window takes what one window of the video brought (packets due and
// packets received) and reports whether the mode changed.
func (c *videoChoice) window(now time.Time, due, received uint64) bool {
	s := &c.status
	switch {
	case c.forced:
		return false
	case !c.video():
		if now.Before(*s.RetryVideoAt) {
			return false
		}
		*s = MediaStatus{Mode: ModeVideo, Reason: fmt.Sprintf("trying video again after %s audio-only", c.hold), Since: now}
		return true
	case due < minJudged:
		s.VideoLoss = 0
		return false
	}
	s.VideoLoss = max(0, 1-float64(received)/float64(due))
	if s.VideoLoss <= maxVideoLoss {
		s.Reason = "the link carries it"
		return false
	}
	if c.hold == 0 || now.Sub(s.Since) >= goodFor {
		c.hold = firstHold
	} else {
		c.hold = min(2*c.hold, maxHold)
	}
	retry := now.Add(c.hold)
	*s = MediaStatus{Mode: ModeAudioOnly, Since: now, RetryVideoAt: &retry, VideoLoss: s.VideoLoss,
		Reason: fmt.Sprintf("the link cannot carry video: %.0f%% of its packets were lost over %s; video is tried again in %s", 100*s.VideoLoss, lossWindow, c.hold)}
	return true
}

// seqCount counts one stream's packets received and due, by sequence
// number, since the last window.
type seqCount struct {
	mu       sync.Mutex
	started  bool
	highest  uint32 // extended over wraps
	received uint64
	// base and baseReceived are highest and received at the window's start.
	base, baseReceived uint64
}

func (c *seqCount) add(seq uint16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.received++
	if !c.started {
		c.started, c.highest = true, uint32(seq)
		c.base = uint64(c.highest) - 1
		return
	}
	if d := int16(seq - uint16(c.highest)); d > 0 {
		c.highest += uint32(d)
	}
}

// window returns the packets due and received since the last call.
func (c *seqCount) window() (due, received uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return 0, 0
	}
	due, received = uint64(c.highest)-c.base, c.received-c.baseReceived
	c.base, c.baseReceived = uint64(c.highest), c.received
	return due, received
}
