package mediaclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Publisher is an open WHIP session sending one Opus track.
type Publisher struct {
	*session
	track *webrtc.TrackLocalStaticRTP
}

// Publish opens a WHIP session at whipURL with token and waits, up to ctx,
// until it is connected and packets can flow.
func (c *Client) Publish(ctx context.Context, whipURL, token string) (*Publisher, error) {
	ep, err := endpoint(whipURL)
	if err != nil {
		return nil, err
	}
	pc, err := c.api.NewPeerConnection(c.pcc)
	if err != nil {
		return nil, fmt.Errorf("mediaclient: new peer connection: %w", err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "mediaclient")
	if err == nil {
		var tr *webrtc.RTPTransceiver
		if tr, err = pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err == nil {
			// Reading the RTCP is what feeds the NACK responder.
			go drainRTCP(tr.Sender())
		}
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
	return &Publisher{session: s, track: track}, nil
}

func drainRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}

// Send writes one packet of the stream; the track sets SSRC and payload
// type. It is not safe for concurrent use.
func (p *Publisher) Send(seq uint16, ts uint32, payload []byte) error {
	return p.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: payload})
}

// Close ends the session, bounded by ctx.
func (p *Publisher) Close(ctx context.Context) error { return p.close(ctx) }
