package mediaclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Packet is one RTP packet as a Subscriber received it. Payload is valid
// only during the callback.
type Packet struct {
	// Line is the audio m-line it came on, from 0 in offer order.
	Line           int
	SequenceNumber uint16
	Timestamp      uint32
	Payload        []byte
}

// Subscriber is an open WHEP session.
type Subscriber struct {
	*session
	ended     chan struct{}
	endedOnce sync.Once

	mu      sync.Mutex
	closing bool
	reads   sync.WaitGroup // read loops; Add only while !closing, under mu
}

// Subscribe opens a WHEP session at whepURL with token, offering lines
// recvonly audio m-lines, and calls onPacket with every packet received,
// from one goroutine per m-line, until the session ends or Close returns. It returns once
// the answer is applied, before any packet has come.
func (c *Client) Subscribe(ctx context.Context, whepURL, token string, lines int, onPacket func(Packet)) (*Subscriber, error) {
	ep, err := endpoint(whepURL)
	if err != nil {
		return nil, err
	}
	if lines < 1 {
		return nil, fmt.Errorf("mediaclient: a receiver offers at least one audio m-line, not %d", lines)
	}
	pc, err := c.api.NewPeerConnection(c.pcc)
	if err != nil {
		return nil, fmt.Errorf("mediaclient: new peer connection: %w", err)
	}
	sub := &Subscriber{ended: make(chan struct{})}
	receivers := make([]*webrtc.RTPReceiver, lines)
	for i := range lines {
		tr, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
		if err != nil {
			pc.Close()
			return nil, fmt.Errorf("mediaclient: add transceiver: %w", err)
		}
		receivers[i] = tr.Receiver()
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		line := -1
		for i, r := range receivers {
			if r == recv {
				line = i
			}
		}
		sub.mu.Lock()
		if sub.closing {
			sub.mu.Unlock()
			return
		}
		sub.reads.Add(1)
		sub.mu.Unlock()
		defer sub.reads.Done()
		receive(t, line, onPacket)
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			sub.endedOnce.Do(func() { close(sub.ended) })
		}
	})
	if sub.session, err = c.offer(ctx, pc, ep, token); err != nil {
		pc.Close()
		return nil, err
	}
	return sub, nil
}

// receive reads t until it ends. Only the header is parsed: a load tool
// with a thousand receivers should spend its CPU on the server's behalf.
func receive(t *webrtc.TrackRemote, line int, onPacket func(Packet)) {
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
		onPacket(Packet{Line: line, SequenceNumber: h.SequenceNumber, Timestamp: h.Timestamp, Payload: buf[hl:end]})
	}
}

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
