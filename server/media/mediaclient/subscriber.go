package mediaclient

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Packet is one RTP packet as a Subscriber received it. Payload is valid
// only during the callback.
type Packet struct {
	// Line is the m-line it came on, from 0 in offer order among those of
	// its kind; Video says which kind, and Codec is the track's MIME type.
	Line  int
	Video bool
	Codec string
	// Marker ends a video frame, or starts a talkspurt.
	Marker         bool
	SequenceNumber uint16
	Timestamp      uint32
	Payload        []byte
}

// Lines is what a receiver offers: recvonly audio m-lines (at least one),
// then video m-lines.
type Lines struct {
	Audio, Video int
}

// Subscriber is an open WHEP session.
type Subscriber struct {
	*session
	ended, connected         chan struct{}
	endedOnce, connectedOnce sync.Once
	// cameras are the video tracks' SSRCs by line, 0 until one comes.
	cameras []atomic.Uint32

	mu      sync.Mutex
	closing bool
	reads   sync.WaitGroup // read loops; Add only while !closing, under mu
}

// Subscribe opens a WHEP session at whepURL with token, offering lines
// recvonly audio m-lines, and calls onPacket with every packet received,
// from one goroutine per m-line, until the session ends or Close returns. It returns once
// the answer is applied, before any packet has come.
func (c *Client) Subscribe(ctx context.Context, whepURL, token string, lines int, onPacket func(Packet)) (*Subscriber, error) {
	return c.SubscribeWith(ctx, whepURL, token, Lines{Audio: lines}, onPacket)
}

// SubscribeWith is Subscribe offering lines' audio and video m-lines.
func (c *Client) SubscribeWith(ctx context.Context, whepURL, token string, lines Lines, onPacket func(Packet)) (*Subscriber, error) {
	ep, err := endpoint(whepURL)
	if err != nil {
		return nil, err
	}
	if lines.Audio < 1 || lines.Video < 0 {
		return nil, fmt.Errorf("mediaclient: a receiver offers at least one audio m-line and no negative count of video ones, not %+v", lines)
	}
	pc, err := c.newPeerConnection()
	if err != nil {
		return nil, err
	}
	sub := &Subscriber{ended: make(chan struct{}), connected: make(chan struct{}), cameras: make([]atomic.Uint32, lines.Video)}
	type line struct {
		n     int
		video bool
	}
	receivers := map[*webrtc.RTPReceiver]line{}
	for i := range lines.Audio + lines.Video {
		kind, l := webrtc.RTPCodecTypeAudio, line{n: i}
		if i >= lines.Audio {
			kind, l = webrtc.RTPCodecTypeVideo, line{n: i - lines.Audio, video: true}
		}
		tr, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
		if err != nil {
			pc.Close()
			return nil, fmt.Errorf("mediaclient: add transceiver: %w", err)
		}
		receivers[tr.Receiver()] = l
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		l, ok := receivers[recv]
		if !ok {
			return
		}
		sub.mu.Lock()
		if sub.closing {
			sub.mu.Unlock()
			return
		}
		sub.reads.Add(1)
		sub.mu.Unlock()
		defer sub.reads.Done()
		if l.video {
			sub.cameras[l.n].Store(uint32(t.SSRC()))
		}
		receive(t, Packet{Line: l.n, Video: l.video, Codec: t.Codec().MimeType}, onPacket)
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			sub.connectedOnce.Do(func() { close(sub.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			sub.endedOnce.Do(func() { close(sub.ended) })
		}
	})
	if sub.session, err = c.offer(ctx, pc, ep, token); err != nil {
		pc.Close()
		return nil, err
	}
	return sub, nil
}

// receive reads t until it ends, handing each packet over as p says.
// Only the header is parsed: a load tool with a thousand receivers should
// spend its CPU on the server's behalf.
func receive(t *webrtc.TrackRemote, p Packet, onPacket func(Packet)) {
	buf := make([]byte, 1500)
	var h rtp.Header
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		hl, err := h.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		end := n
		if h.Padding && n > hl {
			end -= int(buf[n-1])
		}
		if end < hl {
			continue
		}
		p.Marker, p.SequenceNumber, p.Timestamp, p.Payload = h.Marker, h.SequenceNumber, h.Timestamp, buf[hl:end]
		onPacket(p)
	}
}

// Keyframe asks the server for a keyframe of video line (RTCP PLI); it
// does nothing before that line's track has come.
func (s *Subscriber) Keyframe(line int) error {
	if line < 0 || line >= len(s.cameras) {
		return fmt.Errorf("mediaclient: the session has no video line %d", line)
	}
	ssrc := s.cameras[line].Load()
	if ssrc == 0 {
		return nil
	}
	return s.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
}

// Connected is closed once the connection is first established.
func (s *Subscriber) Connected() <-chan struct{} { return s.connected }

// Ended is closed once the connection has failed or closed.
func (s *Subscriber) Ended() <-chan struct{} { return s.ended }

// Close ends the session, bounded by ctx, and returns once onPacket is
// no longer called.
func (s *Subscriber) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	err := s.close(ctx)
	s.reads.Wait()
	return err
}
