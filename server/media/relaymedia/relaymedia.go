// Package relaymedia is the media side of `parley relay`: the plenary's
// audio and video, received once from the main server, served over WHEP
// to every viewer on the hub's network. Each audio m-line upstream (the
// venue feed, then the floor track) is one pion TrackLocalStaticRTP that
// every local session shares: one packet in, one write per viewer; each
// video m-line (the hall's camera, then the floor speaker's) is one such
// track per codec, of which the one upstream sends is written. It answers
// WHEP offers itself; package relay authenticates them and keeps the one
// upstream session, which it asks for a keyframe when the feed says a
// viewer needs one. Sessions send RTCP sender reports and nothing else: a
// hub's network is short, and a history per viewer for NACKs is memory a
// small hub machine spends on hundreds of viewers.
//
// Locks: Feed.mu guards the sessions; it and each line's keyframe
// throttle are leaves.
package relaymedia

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/server/media/codecs"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// Lines is how many audio lines the relay carries: the venue feed and the
// floor track, as the main server's two-line WHEP session has them;
// VideoLines how many video lines: the hall's camera and the floor's.
const (
	Lines      = 2
	VideoLines = 2
)

const (
	maxOffer         = 64 << 10
	negotiateTimeout = 10 * time.Second
)

var (
	// ErrBadOffer is an offer the relay cannot answer (a 400).
	ErrBadOffer = errors.New("relaymedia: bad offer")
	// ErrNoSession is a session the relay does not have (a 404).
	ErrNoSession = errors.New("relaymedia: no such session")
	// ErrClosed refuses offers once the feed is closed (a 503).
	ErrClosed = errors.New("relaymedia: closed")
)

// Config tunes a Feed.
type Config struct {
	// Loopback offers loopback candidates only: for tests on one machine.
	Loopback bool
	// UDP, when set, carries every session on this one socket.
	UDP net.PacketConn
}

// Feed is the plenary for the hub's network.
type Feed struct {
	api    *webrtc.API
	tracks [Lines]*webrtc.TrackLocalStaticRTP
	video  [VideoLines]*videoLine
	// keyframe asks upstream for a keyframe of a video line.
	keyframe atomic.Pointer[func(line int)]

	mu       sync.Mutex
	sessions map[string]*webrtc.PeerConnection
	mic      string // the hub microphone's session, if any
	closed   bool
}

// New builds a feed with no viewers.
func New(cfg Config) (*Feed, error) {
	m := &webrtc.MediaEngine{}
	if err := codecs.Register(m, false, true); err != nil {
		return nil, fmt.Errorf("relaymedia: %w", err)
	}
	reg := &interceptor.Registry{}
	sender, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, fmt.Errorf("relaymedia: %w", err)
	}
	reg.Add(sender)
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if cfg.UDP != nil {
		se.SetICEUDPMux(webrtc.NewICEUDPMux(nil, cfg.UDP))
	}
	f := &Feed{api: webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), sessions: map[string]*webrtc.PeerConnection{}}
	for i := range f.tracks {
		if f.tracks[i], err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: codecs.OpusRate, Channels: 2}, fmt.Sprintf("audio%d", i), "parley-relay"); err != nil {
			return nil, fmt.Errorf("relaymedia: %w", err)
		}
	}
	for i := range f.video {
		if f.video[i], err = newVideoLine(i); err != nil {
			return nil, fmt.Errorf("relaymedia: %w", err)
		}
	}
	return f, nil
}

// Write sends one packet of a line's stream, as the upstream session
// received it, to every viewer of that line. Calls for one line must not
// overlap.
func (f *Feed) Write(p mediaclient.Packet) {
	h := rtp.Header{Version: 2, Marker: p.Marker, SequenceNumber: p.SequenceNumber, Timestamp: p.Timestamp}
	switch {
	case p.Video && p.Line >= 0 && p.Line < VideoLines:
		f.video[p.Line].write(p.Codec, &rtp.Packet{Header: h, Payload: p.Payload})
	case !p.Video && p.Line >= 0 && p.Line < Lines:
		f.tracks[p.Line].WriteRTP(&rtp.Packet{Header: h, Payload: p.Payload})
	}
}

// OnKeyframe has the feed call ask, at most once per
// codecs.KeyframeGap for each line, when a viewer needs a keyframe of
// video line: it has just connected, or lost the picture (PLI or FIR).
func (f *Feed) OnKeyframe(ask func(line int)) { f.keyframe.Store(&ask) }

// askKeyframe asks upstream for a keyframe of video line, throttled, and
// again as packets come until one has come.
func (f *Feed) askKeyframe(line int) {
	f.video[line].keyframes.Ask(func() {
		if ask := f.keyframe.Load(); ask != nil {
			(*ask)(line)
		}
	})
}

// Viewers is how many WHEP sessions the feed has.
func (f *Feed) Viewers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mic != "" {
		return len(f.sessions) - 1
	}
	return len(f.sessions)
}

// ServeOffer answers a WHEP POST: one track per audio m-line offered, the
// venue feed first, up to Lines, and one per video m-line, the hall's
// camera first, up to VideoLines, each in the codec upstream sends if the
// m-line offers it; it stops at a video m-line without a codec Parley
// carries. It returns, without answering, why it refused.
func (f *Feed) ServeOffer(w http.ResponseWriter, r *http.Request) error {
	offer, err := readOffer(w, r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), negotiateTimeout)
	defer cancel()
	id, answer, err := f.open(ctx, offer)
	if err != nil {
		return err
	}
	created(w, r, id, answer)
	return nil
}

// readOffer reads the SDP offer of a POST.
func readOffer(w http.ResponseWriter, r *http.Request) (string, error) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/sdp") {
		return "", fmt.Errorf("%w: Content-Type must be application/sdp, not %q", ErrBadOffer, ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOffer))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	return string(body), nil
}

// created answers a POST with session id's answer and Location.
func created(w http.ResponseWriter, r *http.Request, id, answer string) {
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", strings.TrimSuffix(r.URL.Path, "/")+"/"+id)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

func (f *Feed) open(ctx context.Context, offer string) (string, string, error) {
	pc, err := f.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", "", fmt.Errorf("relaymedia: new peer connection: %w", err)
	}
	id := newID()
	if !f.add(id, pc) {
		pc.Close()
		return "", "", ErrClosed
	}
	answer, cameras, err := f.negotiate(ctx, pc, offer)
	if err != nil {
		f.end(id)
		return "", "", err
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			// A viewer joining mid-stream sees a picture at once.
			for _, line := range cameras {
				f.askKeyframe(line)
			}
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			f.end(id)
		}
	})
	return id, answer, nil
}

func (f *Feed) negotiate(ctx context.Context, pc *webrtc.PeerConnection, offer string) (string, []int, error) {
	audio, video, err := linesOf(offer)
	if err != nil {
		return "", nil, err
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	if audio == 0 {
		return "", nil, fmt.Errorf("%w: it offers no audio to receive", ErrBadOffer)
	}
	for _, t := range f.tracks[:min(audio, Lines)] {
		sender, err := pc.AddTrack(t)
		if err != nil {
			return "", nil, fmt.Errorf("relaymedia: add track: %w", err)
		}
		go codecs.ReadRTCP(sender, nil)
	}
	var cameras []int
	for i, offered := range video[:min(len(video), VideoLines)] {
		t := f.video[i].trackFor(offered)
		if t == nil {
			break
		}
		sender, err := pc.AddTrack(t)
		if err != nil {
			return "", nil, fmt.Errorf("relaymedia: add track: %w", err)
		}
		go codecs.ReadRTCP(sender, func() { f.askKeyframe(i) })
		cameras = append(cameras, i)
	}
	answer, err := f.gatherAnswer(ctx, pc)
	return answer, cameras, err
}

// answer answers a publisher's offer.
func (f *Feed) answer(ctx context.Context, pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	return f.gatherAnswer(ctx, pc)
}

// gatherAnswer answers the offer applied to pc with every candidate in it.
func (f *Feed) gatherAnswer(ctx context.Context, pc *webrtc.PeerConnection) (string, error) {
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: cannot answer it: %v", ErrBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("relaymedia: set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("relaymedia: gathering candidates: %w", ctx.Err())
	}
	// As the main server does: the hub's microphone is encoded with FEC
	// for its way upstream, and viewers learn the feed may carry it.
	return codecs.WithFEC(pc.LocalDescription().SDP)
}

func (f *Feed) add(id string, pc *webrtc.PeerConnection) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.sessions[id] = pc
	return true
}

// end closes session id, if the feed has it.
func (f *Feed) end(id string) bool {
	f.mu.Lock()
	pc, ok := f.sessions[id]
	delete(f.sessions, id)
	if f.mic == id {
		f.mic = ""
	}
	f.mu.Unlock()
	if ok {
		go pc.Close() // it may be running this from its own callback
	}
	return ok
}

// ServeSession answers a DELETE on a session's Location.
func (f *Feed) ServeSession(w http.ResponseWriter, r *http.Request, id string) error {
	if r.Method != http.MethodDelete {
		w.Header().Set("Allow", "DELETE")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil
	}
	if !f.end(id) {
		return ErrNoSession
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// Close ends every session and refuses new ones.
func (f *Feed) Close() {
	f.mu.Lock()
	f.closed = true
	all := f.sessions
	f.sessions = map[string]*webrtc.PeerConnection{}
	f.mu.Unlock()
	var wg sync.WaitGroup
	for _, pc := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.Close()
		}()
	}
	wg.Wait()
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ServePublish answers a WHIP POST of the hub's microphone: its Opus
// packets go to onPacket, from one goroutine, until the session ends. A
// new microphone replaces the one before, so the hub has one voice. It
// returns, without answering, why it refused.
func (f *Feed) ServePublish(w http.ResponseWriter, r *http.Request, onPacket func(seq uint16, ts uint32, payload []byte)) error {
	offer, err := readOffer(w, r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), negotiateTimeout)
	defer cancel()
	pc, err := f.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fmt.Errorf("relaymedia: new peer connection: %w", err)
	}
	id := newID()
	f.mu.Lock()
	closed, before := f.closed, f.mic
	if !closed {
		f.sessions[id], f.mic = pc, id
	}
	f.mu.Unlock()
	if closed {
		pc.Close()
		return ErrClosed
	}
	if before != "" {
		f.end(before)
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if t.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		for {
			p, _, err := t.ReadRTP()
			if err != nil {
				return
			}
			onPacket(p.SequenceNumber, p.Timestamp, p.Payload)
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			f.end(id)
		}
	})
	answer, err := f.answer(ctx, pc, offer)
	if err != nil {
		f.end(id)
		return err
	}
	created(w, r, id, answer)
	return nil
}
