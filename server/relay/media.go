package relay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/media/relaymedia"
)

// Media is the relay's media: the one upstream WHEP session feeding the
// local viewers.
type Media struct {
	// Client opens the upstream sessions; with LearnICEServers it gathers
	// through the TURN servers the main server hands out.
	Client *mediaclient.Client
	// Feed serves them to the hub's network.
	Feed *relaymedia.Feed
	// AudioOnly never asks upstream for video (parley relay --audio-only).
	AudioOnly bool
}

// connectWait bounds how long an upstream session may take to connect
// and, while the one before still brings audio, to bring its own; a
// session before which none has brought audio for quietFor (the venue is
// silent) takes over once connected.
const (
	connectWait = 15 * time.Second
	quietFor    = time.Second
)

// upstream is one upstream WHEP session.
type upstream struct {
	sub   *mediaclient.Subscriber
	video bool
	// live: its packets go to the feed. Only one session is live; a new
	// one becomes live once it brings audio, then the old one closes.
	live   atomic.Bool
	first  chan struct{} // closed at its first audio packet
	once   sync.Once
	counts [relaymedia.VideoLines]seqCount
	// audio and jitters measure its audio lines for the link's quality.
	audio   [relaymedia.Lines]seqCount
	jitters [relaymedia.Lines]jitter
	// heard is when its last audio packet came (Unix nanoseconds).
	heard atomic.Int64
}

// runMedia keeps one upstream WHEP session, two audio lines (venue and
// floor) and, unless the link cannot carry it, two video lines (the hall's
// camera and the floor's), written to the local feed; it is reopened with
// backoff whenever it ends. Changing mode opens the new session before
// closing the old, so the audio goes on through the switch: both come
// from the main server's same outputs, with the same sequence numbers.
func (r *Relay) runMedia(ctx context.Context) {
	var cur *upstream
	defer func() { r.closeUpstream(ctx, cur) }()
	tick := time.NewTicker(lossWindow)
	defer tick.Stop()
	backoff := minBackoff
	for ctx.Err() == nil {
		if video := r.wantVideo(); cur == nil || cur.video != video {
			next, err := r.openUpstream(ctx, video, cur)
			switch {
			case err == nil:
				backoff = minBackoff
				next.live.Store(true)
				r.upMedia.Store(next)
				if cur != nil {
					cur.live.Store(false)
					r.closeUpstream(ctx, cur)
				}
				cur = next
			case ctx.Err() != nil:
				return
			case cur == nil:
				r.log.Warn("relay: upstream media session refused", "err", err)
				sleep(ctx, backoff)
				backoff = min(2*backoff, r.cfg.MaxBackoff)
				continue
			default:
				// Keep the session there is; the next window tries again.
				r.log.Warn("relay: upstream media session for a new mode refused", "video", video, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-cur.sub.Ended():
			r.log.Warn("relay: upstream media session ended")
			r.closeUpstream(ctx, cur)
			cur = nil
			sleep(ctx, backoff)
		case <-tick.C:
			r.judge(cur)
		}
	}
}

// wantVideo says whether the upstream session should carry video now.
func (r *Relay) wantVideo() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.videoMode.video()
}

// judge takes the last window of cur's video into the choice of mode,
// and of its audio into the link's quality.
func (r *Relay) judge(cur *upstream) {
	due, received := windows(cur.counts[:])
	audioDue, audioReceived := windows(cur.audio[:])
	var jitter *float64
	for i := range cur.jitters {
		if j, ok := cur.jitters[i].seconds(); ok && (jitter == nil || j > *jitter) {
			jitter = &j
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if audioDue > 0 {
		r.quality.loss = ptr(max(0, 1-float64(audioReceived)/float64(audioDue)))
	}
	r.quality.jitter = jitter
	if r.videoMode.window(time.Now(), due, received) {
		r.log.Info("relay: upstream media mode", "mode", r.videoMode.status.Mode, "why", r.videoMode.status.Reason)
	}
}

// windows sums the packets due and received over counts' last windows.
func windows(counts []seqCount) (due, received uint64) {
	for i := range counts {
		d, n := counts[i].window()
		due, received = due+d, received+n
	}
	return due, received
}

// openUpstream opens an upstream session, with video or not, to replace
// cur (nil: none), and waits until it is connected and, unless cur has
// gone quiet, has brought audio.
func (r *Relay) openUpstream(ctx context.Context, video bool, cur *upstream) (*upstream, error) {
	whep := r.cfg.Upstream + "/api/v1/rooms/" + r.room + "/whep"
	u := &upstream{video: video, first: make(chan struct{})}
	lines := mediaclient.Lines{Audio: relaymedia.Lines}
	if video {
		lines.Video = relaymedia.VideoLines
	}
	var err error
	u.sub, err = r.cfg.Media.Client.SubscribeWith(ctx, whep, r.cfg.Token, lines, func(p mediaclient.Packet) {
		r.mediaBytes.Add(uint64(12 + len(p.Payload)))
		if p.Video {
			u.counts[p.Line].add(p.SequenceNumber)
		} else {
			now := time.Now()
			u.audio[p.Line].add(p.SequenceNumber)
			u.jitters[p.Line].add(p.Timestamp, now)
			u.heard.Store(now.UnixNano())
			u.once.Do(func() { close(u.first) })
		}
		if u.live.Load() {
			r.cfg.Media.Feed.Write(p)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := u.ready(ctx, cur); err != nil {
		r.closeUpstream(ctx, u)
		return nil, fmt.Errorf("relay: upstream media session: %w", err)
	}
	return u, nil
}

// ready waits until u is connected and has brought audio, or cur, the
// session it replaces, has none to go on with; at most connectWait.
func (u *upstream) ready(ctx context.Context, cur *upstream) error {
	wait := time.NewTimer(connectWait)
	defer wait.Stop()
	poll := time.NewTicker(quietFor / 10)
	defer poll.Stop()
	connected, first := u.sub.Connected(), u.first
	for {
		select {
		case <-connected:
			connected = nil
		case <-first:
			first = nil
		case <-poll.C:
			if connected == nil && (cur == nil || time.Since(time.Unix(0, cur.heard.Load())) > quietFor) {
				return nil
			}
		case <-u.sub.Ended():
			return errors.New("its connection failed")
		case <-wait.C:
			return fmt.Errorf("it did not connect and bring audio within %s", connectWait)
		case <-ctx.Done():
			return ctx.Err()
		}
		if connected == nil && first == nil {
			return nil
		}
	}
}

// closeUpstream ends u, if any, bounded even once ctx is done.
func (r *Relay) closeUpstream(ctx context.Context, u *upstream) {
	if u == nil {
		return
	}
	if r.upMedia.CompareAndSwap(u, nil) {
		r.mu.Lock()
		r.quality.loss, r.quality.jitter = nil, nil
		r.mu.Unlock()
	}
	closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	u.sub.Close(closing)
}

// keyframe asks the live upstream session for a keyframe of video line,
// for a local viewer that needs one (the feed throttles it).
func (r *Relay) keyframe(line int) {
	if u := r.upMedia.Load(); u != nil && u.video {
		if err := u.sub.Keyframe(line); err != nil {
			r.log.Debug("relay: keyframe request upstream", "line", line, "err", err)
		}
	}
}

// mediaStatus is the upstream media's mode for Status. The caller holds
// r.mu.
func (r *Relay) mediaStatus() *MediaStatus {
	if r.cfg.Media == nil {
		return nil
	}
	s := r.videoMode.status
	return &s
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// serveOffer answers a local WHEP offer.
func (r *Relay) serveOffer(w http.ResponseWriter, req *http.Request, _ member) {
	mediaError(w, r.cfg.Media.Feed.ServeOffer(w, req))
}

// serveSession answers a DELETE on a local WHEP session.
func (r *Relay) serveSession(w http.ResponseWriter, req *http.Request, _ member) {
	mediaError(w, r.cfg.Media.Feed.ServeSession(w, req, req.PathValue("session")))
}

func mediaError(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
	case errors.Is(err, relaymedia.ErrBadOffer):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, relaymedia.ErrNoSession):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the relay cannot take media sessions now")
	}
}
