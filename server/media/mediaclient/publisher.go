package mediaclient

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/server/media/codecs"
)

// Publisher is an open WHIP session sending one Opus track and, if it
// was opened with a camera, one video track.
type Publisher struct {
	*session
	track, video *webrtc.TrackLocalStaticRTP
	keyframes    atomic.Int64
}

// Publish opens a WHIP session at whipURL with token and waits, up to ctx,
// until it is connected and packets can flow.
func (c *Client) Publish(ctx context.Context, whipURL, token string) (*Publisher, error) {
	return c.PublishWith(ctx, whipURL, token, "")
}

// PublishWith is Publish with a camera in codec video too (a MIME type of
// codecs.Video), unless video is "".
func (c *Client) PublishWith(ctx context.Context, whipURL, token, video string) (*Publisher, error) {
	ep, err := endpoint(whipURL)
	if err != nil {
		return nil, err
	}
	if video != "" && codecs.CanonicalVideo(video) == "" {
		return nil, fmt.Errorf("mediaclient: Parley carries no %s video", video)
	}
	pc, err := c.newPeerConnection()
	if err != nil {
		return nil, err
	}
	p := &Publisher{}
	if p.track, err = addSender(pc, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: codecs.OpusRate, Channels: 2}, "audio", nil); err == nil && video != "" {
		p.video, err = addSender(pc, codecs.VideoCodec(codecs.CanonicalVideo(video)), "video", &p.keyframes)
	}
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("mediaclient: add track: %w", err)
	}
	connected := make(chan struct{})
	var once sync.Once
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			// A connection that recovers is connected again.
			once.Do(func() { close(connected) })
		}
	})
	s, err := c.offer(ctx, pc, ep, token)
	if err != nil {
		pc.Close()
		return nil, err
	}
	select {
	case <-connected:
	case <-ctx.Done():
		s.close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mediaclient: connecting the publisher: %w", ctx.Err())
	}
	p.session = s
	return p, nil
}

// addSender adds a sendonly track of codec c to pc; keyframes, if not
// nil, counts the requests for a keyframe its receiver sends.
func addSender(pc *webrtc.PeerConnection, c webrtc.RTPCodecCapability, id string, keyframes *atomic.Int64) (*webrtc.TrackLocalStaticRTP, error) {
	track, err := webrtc.NewTrackLocalStaticRTP(c, id, "mediaclient")
	if err != nil {
		return nil, err
	}
	tr, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, err
	}
	// Reading the RTCP is what feeds the NACK responder.
	go codecs.ReadRTCP(tr.Sender(), func() {
		if keyframes != nil {
			keyframes.Add(1)
		}
	})
	return track, nil
}

// Send writes one packet of the audio stream; the track sets SSRC and
// payload type. It is not safe for concurrent use.
func (p *Publisher) Send(seq uint16, ts uint32, payload []byte) error {
	return p.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: payload})
}

// SendVideo writes one packet of the camera's stream (marker: the last
// of a frame). It is not safe for concurrent use.
func (p *Publisher) SendVideo(seq uint16, ts uint32, marker bool, payload []byte) error {
	if p.video == nil {
		return fmt.Errorf("mediaclient: the publisher has no camera")
	}
	return p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: payload})
}

// KeyframeRequests is how many times the server asked the camera for a
// keyframe (PLI or FIR).
func (p *Publisher) KeyframeRequests() int64 { return p.keyframes.Load() }

// Close ends the session, bounded by ctx.
func (p *Publisher) Close(ctx context.Context) error { return p.close(ctx) }
