package media

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/codecs"
)

// kind is what a session does.
type kind int

const (
	kindVenue       kind = iota + 1 // publishes the plenary feed
	kindProgram                     // publishes the venue's program mix
	kindMic                         // publishes a participant's or hub's microphone
	kindInterpreter                 // publishes the interpretation into its lang
	kindViewer                      // receives
)

// sources numbers publishers so a fanout tells one from the next.
var sources atomic.Uint64

// session is one WHIP or WHEP session: one peer connection.
type session struct {
	id   string
	kind kind
	who  rooms.Participant
	room *room
	pc   *webrtc.PeerConnection
	log  *slog.Logger
	// src identifies a publisher's packets in the fanouts.
	src uint64
	// sending: a publisher's audio has arrived; packets, videoPackets:
	// how many of each it read.
	sending      atomic.Bool
	packets      atomic.Uint64
	videoPackets atomic.Uint64
	// stopped: ended or replaced; its packets are no longer forwarded.
	stopped atomic.Bool
	// video is a publisher's camera once it arrived; keyframes asks it
	// for keyframes; awaitKeyframe holds a speaker's camera off the floor
	// until one comes.
	video         atomic.Pointer[videoIn]
	keyframes     codecs.Throttle
	awaitKeyframe atomic.Bool
	// ufrag is the client's ICE username fragment, which a trickled
	// fragment must carry unchanged.
	ufrag string
	// outs are a viewer's tracks and the fanouts that feed them.
	outs []outlet
	// link is what a hub's last receiver report said (link.go).
	link atomic.Pointer[Link]

	mu     sync.Mutex
	ending bool
	reap   *time.Timer
	loops  sync.WaitGroup // read loops; Add only while !ending, under mu
	done   chan struct{}  // closed once the connection is closed
	once   sync.Once
}

type outlet struct {
	track *outTrack
	from  *fanout
	// keyframe, for video, asks the source for a keyframe.
	keyframe func()
}

// newSession opens a peer connection for a session of kind k in r.
func (p *Plane) newSession(r *room, k kind, who rooms.Participant) (*session, error) {
	api := p.api
	if k == kindViewer {
		api = p.viewAPI
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("media: new peer connection: %w", err)
	}
	s := &session{
		id: rand.Text(), kind: k, who: who, room: r, pc: pc, done: make(chan struct{}),
		log: p.log.With("room", r.id, "participant", who.Sub),
	}
	if k != kindViewer {
		s.src = sources.Add(1)
	}
	return s, nil
}

// negotiate answers the offer with every candidate gathered (no trickle
// needed from Parley's side) and returns the answer.
func (s *session) negotiate(ctx context.Context, o offer) (string, error) {
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.sdp}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: cannot answer it: %v", ErrBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("media: set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("media: gathering candidates: %w", ctx.Err())
	}
	// Ask for Opus FEC whatever the offer said: a publisher's encoder reads
	// it, and a viewer learns the stream may carry it. pion refuses an
	// answer changed before it is set, and what it receives does not
	// depend on it, so only the answer sent says so.
	return codecs.WithFEC(s.pc.LocalDescription().SDP)
}

// run runs loop as one of the session's read loops, which close waits
// for, unless the session is ending.
func (s *session) run(loop func()) {
	s.mu.Lock()
	if s.ending {
		s.mu.Unlock()
		return
	}
	s.loops.Add(1)
	s.mu.Unlock()
	defer s.loops.Done()
	loop()
}

// watch starts following the connection once s is registered: it is
// reaped unless connected within timeout, and ended when it fails.
func (s *session) watch(timeout time.Duration) {
	s.mu.Lock()
	if !s.ending {
		s.reap = time.AfterFunc(timeout, func() { s.end("it did not connect in time") })
	}
	s.mu.Unlock()
	s.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			s.connected()
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			s.end("its connection " + st.String())
		}
	})
}

func (s *session) connected() {
	s.mu.Lock()
	if s.ending {
		s.mu.Unlock()
		return
	}
	s.reap.Stop()
	for _, o := range s.outs {
		o.from.add(o.track)
	}
	s.mu.Unlock()
	for _, o := range s.outs {
		if o.keyframe != nil {
			// A receiver joining mid-session sees a picture at once.
			o.keyframe()
		}
	}
}

// end ends s once: no more packets to or from it, then its connection
// closes in the background (the plane's Close waits for it).
func (s *session) end(why string) {
	s.once.Do(func() {
		p := s.room.plane
		// Counted before s leaves the room: a Close that no longer finds
		// s in the room still waits for it.
		p.closing.Add(1)
		s.stopped.Store(true)
		s.mu.Lock()
		s.ending = true
		if s.reap != nil {
			s.reap.Stop()
		}
		s.mu.Unlock()
		s.room.remove(s)
		for _, o := range s.outs {
			o.from.remove(o.track)
		}
		s.log.Info("media session ended", "session", s.id, "why", why)
		go func() {
			defer p.closing.Done()
			s.close()
			if s.kind == kindInterpreter {
				s.room.announce(s.who.Lang, s.who)
			}
			p.leave(s.room)
			close(s.done)
		}()
	})
}

// close closes the connection and waits for the session's read loops.
func (s *session) close() {
	s.mu.Lock()
	s.ending = true
	s.mu.Unlock()
	if err := s.pc.GracefulClose(); err != nil {
		s.log.Debug("media: close peer connection", "session", s.id, "err", err)
	}
	s.loops.Wait()
}

// discard undoes a session that was never registered.
func (s *session) discard() {
	s.close()
	s.room.plane.leave(s.room)
}

func (k kind) String() string {
	switch k {
	case kindVenue:
		return "venue"
	case kindProgram:
		return "program"
	case kindMic:
		return "mic"
	case kindInterpreter:
		return "interpreter"
	}
	return "viewer"
}
