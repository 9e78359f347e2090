package media

import (
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// TestAnswersAskForOpusFEC: an offer whose Opus says nothing of in-band
// FEC, as a generic encoder or player may send, is answered with
// useinbandfec=1 on WHIP and on WHEP, so the venue's encoder adds FEC
// that survives to every receiver.
func TestAnswersAskForOpusFEC(t *testing.T) {
	r := newRig(t, Config{})
	for _, tc := range []struct{ endpoint, role string }{{"whip", rooms.RoleVenue}, {"whep", rooms.RoleParticipant}} {
		pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		dir := webrtc.RTPTransceiverDirectionRecvonly
		if tc.endpoint == "whip" {
			dir = webrtc.RTPTransceiverDirectionSendonly
		}
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: dir}); err != nil {
			t.Fatal(err)
		}
		offer := offerFrom(t, pc)
		if strings.Contains(offer, "useinbandfec") {
			t.Fatalf("the test's offer already asks for FEC:\n%s", offer)
		}
		resp := r.post(tc.endpoint, "someone", tc.role, typeSDP, offer)
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", tc.endpoint, resp.StatusCode, answer)
		}
		if fmtp := opusFmtp(t, string(answer)); !strings.Contains(fmtp, "useinbandfec=1") {
			t.Errorf("%s answer: Opus fmtp %q, want useinbandfec=1", tc.endpoint, fmtp)
		}
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
			t.Errorf("%s: the client refuses the answer: %v", tc.endpoint, err)
		}
	}
}

// opusFmtp is the fmtp of the first audio m-line's Opus in desc.
func opusFmtp(t *testing.T, desc string) string {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.UnmarshalString(desc); err != nil {
		t.Fatal(err)
	}
	for _, m := range d.MediaDescriptions {
		for _, a := range m.Attributes {
			if pt, codec, _ := strings.Cut(a.Value, " "); a.Key == "rtpmap" && strings.HasPrefix(strings.ToLower(codec), "opus/") {
				for _, f := range m.Attributes {
					if f.Key == "fmtp" && strings.HasPrefix(f.Value, pt+" ") {
						return f.Value
					}
				}
				return ""
			}
		}
	}
	t.Fatalf("no Opus in\n%s", desc)
	return ""
}

// TestAReceiverRecoversLostPacketsByNACK: with every tenth RTP packet the
// server sends lost on the way (once), a WHEP session of the media client
// (the relay's upstream session) asks for them and the server resends
// them from its history: the receiver ends up with every packet.
func TestAReceiverRecoversLostPacketsByNACK(t *testing.T) {
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lossy := &lossyConn{PacketConn: udp, dropped: map[[6]byte]bool{}}
	r := newRig(t, Config{UDP: lossy})
	venue := r.publish("hall", rooms.RoleVenue, 100)
	client, err := mediaclient.New(mediaclient.Options{Loopback: true, HTTP: &http.Client{Transport: callerHeaders{sub: "hub", role: rooms.RoleHub}}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[uint64]bool{} // the venue's counters, as the payloads carry them
	sub, err := client.Subscribe(t.Context(), r.url+"/rooms/"+r.room+"/whep", "", 1, func(p mediaclient.Packet) {
		if len(p.Payload) >= 8 {
			mu.Lock()
			got[binary.BigEndian.Uint64(p.Payload)] = true
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close(t.Context()) })
	r.until("the receiver gets the venue", func() bool {
		venue.send(1)
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	lossy.on.Store(true)
	first := venue.sent + 1
	const n = 200
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	for range n {
		venue.send(1)
		<-pace.C
	}
	last := venue.sent
	// A loss is found from the packet after it: a few more follow.
	for range 10 {
		venue.send(1)
		<-pace.C
	}
	r.until("every packet sent arrives, the lost ones resent", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for k := first; k <= last; k++ {
			if !got[k] {
				return false
			}
		}
		return true
	})
	if d := lossy.drops.Load(); d < n/20 {
		t.Fatalf("only %d packets were lost on the way: the test did not test recovery", d)
	}
	t.Logf("%d of %d packets lost on the way and resent", lossy.drops.Load(), n)
}

// lossyConn is the server's media socket with a poor link behind it:
// once on, it loses the first sending of every tenth RTP packet (by
// sequence number, which SRTP leaves in clear), and nothing else (ICE,
// DTLS, RTCP, resent packets).
type lossyConn struct {
	net.PacketConn
	on    atomic.Bool
	drops atomic.Int64

	mu      sync.Mutex
	dropped map[[6]byte]bool // SSRC and sequence number
}

func (c *lossyConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	// RTP (RFC 5761 §4): version 2, and a second byte outside RTCP's types.
	if c.on.Load() && len(b) >= 12 && b[0]>>6 == 2 && (b[1] < 192 || b[1] > 223) && binary.BigEndian.Uint16(b[2:])%10 == 0 {
		var key [6]byte
		copy(key[:4], b[8:12])
		copy(key[4:], b[2:4])
		c.mu.Lock()
		first := !c.dropped[key]
		c.dropped[key] = true
		c.mu.Unlock()
		if first {
			c.drops.Add(1)
			return len(b), nil
		}
	}
	return c.PacketConn.WriteTo(b, addr)
}
