package relay_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/media/coturntest"
	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/relay"
)

// cameraVenue publishes to m, until the test ends (at most 5 minutes of
// it), a 50 packet/s Opus stream and a VP8 camera of one packet a frame
// at 25 frames a second, answering each request for a keyframe with one,
// as an encoder does.
func cameraVenue(t *testing.T, m *mainServer, client *mediaclient.Client) *mediaclient.Publisher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := client.PublishWith(ctx, m.url+"/api/v1/rooms/plenary/whip", m.token(t, rooms.RoleVenue, "hall", nil), "video/VP8")
	if err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		audio, frame := make([]byte, 80), make([]byte, 600)
		keyed := int64(-1)
		for i := range 50 * 300 {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			pub.Send(uint16(i), uint32(i*960), audio)
			if i%2 == 1 {
				continue
			}
			// A VP8 payload descriptor (S, partition 0), then the frame
			// header's P bit: clear for a keyframe.
			frame[0], frame[1] = 0x10, 0x01
			if k := pub.KeyframeRequests(); k > keyed {
				keyed, frame[1] = k, 0x00
			}
			pub.SendVideo(uint16(i/2), uint32(i/2*3600), true, frame)
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
		pub.Close(context.Background())
	})
	return pub
}

// localViewer is a pion viewer of the relay with two audio lines and
// video lines, counting what comes on each and keeping the venue feed's
// sequence numbers.
type localViewer struct {
	*mediaclient.Subscriber
	audio, video, keyframes atomic.Int64

	mu   sync.Mutex
	seqs []uint16 // the venue feed's, in arrival order
}

func viewRelay(t *testing.T, r *localRelay, client *mediaclient.Client, sub string, video int) *localViewer {
	t.Helper()
	v := &localViewer{}
	var err error
	v.Subscriber, err = client.SubscribeWith(t.Context(), r.url+"/api/v1/rooms/plenary/whep", issue(t, localSecret, rooms.RoleObserver, sub, nil),
		mediaclient.Lines{Audio: 2, Video: video}, func(p mediaclient.Packet) {
			switch {
			case p.Video && p.Line == 0:
				v.video.Add(1)
				if len(p.Payload) > 1 && p.Payload[1]&1 == 0 {
					v.keyframes.Add(1)
				}
			case !p.Video && p.Line == 0:
				v.audio.Add(1)
				v.mu.Lock()
				v.seqs = append(v.seqs, p.SequenceNumber)
				v.mu.Unlock()
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close(context.Background()) })
	return v
}

// TestRelayCarriesVideoAndAsksForKeyframes: the hall's camera comes down
// the relay's one upstream session and reaches a local viewer who asked
// for video, from a keyframe; a viewer joining, and a viewer's own PLI,
// have the relay ask upstream for one, which reaches the venue.
func TestRelayCarriesVideoAndAsksForKeyframes(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r, client, _ := startMediaRelay(t, m)
	cam := cameraVenue(t, m, client)

	v := viewRelay(t, r, client, "screen", 2)
	waitFor(t, "the hall's camera at a local viewer", func() bool { return v.video.Load() >= 25 && v.audio.Load() >= 25 })
	waitFor(t, "a keyframe at the local viewer", func() bool { return v.keyframes.Load() > 0 })
	if s := r.Status().Media; s == nil || s.Mode != relay.ModeVideo {
		t.Errorf("the relay says %+v, want video", s)
	}

	asked := cam.KeyframeRequests()
	if err := v.Keyframe(0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the local viewer's PLI to reach the venue", func() bool { return cam.KeyframeRequests() > asked })

	asked = cam.KeyframeRequests()
	late := viewRelay(t, r, client, "latecomer", 1)
	waitFor(t, "a keyframe for the viewer joining", func() bool { return cam.KeyframeRequests() > asked && late.keyframes.Load() > 0 })
	if w := m.wheps.Load(); w != 1 {
		t.Errorf("the main server was sent %d WHEP offers, want the relay's one", w)
	}
}

// TestRelayAudioOnlyTakesNoVideoUpstream: with --audio-only the relay's
// upstream session asks for audio alone: a local viewer who asks for
// video hears the plenary and gets no picture, and the relay says why.
func TestRelayAudioOnlyTakesNoVideoUpstream(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	client, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := startMediaRelayWith(t, relay.Config{Upstream: m.url, Token: m.hubToken(t), Media: &relay.Media{AudioOnly: true}}, client)
	cameraVenue(t, m, client)
	v := viewRelay(t, r, client, "screen", 2)
	waitFor(t, "the venue's audio at the local viewer", func() bool { return v.audio.Load() >= 100 })
	if n := v.video.Load(); n != 0 {
		t.Errorf("%d video packets through an audio-only relay", n)
	}
	resp, err := http.Get(r.url + "/api/v1/relay")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var status relay.Status
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
		t.Fatal(err)
	}
	if s := status.Media; s == nil || s.Mode != relay.ModeAudioOnly || !strings.Contains(s.Reason, "--audio-only") {
		t.Errorf("/api/v1/relay says %+v, want audio-only as asked", s)
	}
}

// TestRelayDropsVideoWhenTheLinkCannotCarryIt: the main server's link to
// the relay loses half the video's packets (every sending, so NACK cannot
// help) and none of the audio: within a few windows the relay reopens
// its upstream session audio-only and says why, and the local viewer's
// audio goes on through the switch without a gap.
func TestRelayDropsVideoWhenTheLinkCannotCarryIt(t *testing.T) {
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := newMainWith(t, media.Config{UDP: &videoLoss{PacketConn: udp}})
	m.plenary(t)
	r, client, _ := startMediaRelay(t, m)
	cameraVenue(t, m, client)
	v := viewRelay(t, r, client, "screen", 1)
	waitFor(t, "the venue's audio and some video at the local viewer", func() bool { return v.audio.Load() >= 25 && v.video.Load() > 0 })

	deadline := time.Now().Add(60 * time.Second)
	for s := r.Status().Media; s.Mode != relay.ModeAudioOnly; s = r.Status().Media {
		if time.Now().After(deadline) {
			t.Fatalf("the relay still takes video over a link that loses half of it: %+v", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := r.Status().Media
	if !strings.Contains(s.Reason, "cannot carry video") || s.RetryVideoAt == nil || s.VideoLoss < 0.3 {
		t.Errorf("the relay says %+v", s)
	}
	heard := v.audio.Load()
	switchAt := heard
	waitFor(t, "2 more seconds of audio after the switch", func() bool { return v.audio.Load() >= heard+100 })
	if w := m.wheps.Load(); w != 2 {
		t.Errorf("the main server was sent %d WHEP offers, want 2: with video, then without", w)
	}
	v.mu.Lock()
	seqs := append([]uint16(nil), v.seqs...)
	v.mu.Unlock()
	if missing := gaps(seqs); missing > len(seqs)/100 {
		t.Errorf("the local viewer missed %d of %d packets of audio", missing, len(seqs))
		for i := 1; i < len(seqs); i++ {
			if d := seqs[i] - seqs[i-1]; d != 1 {
				t.Logf("a gap at packet %d of %d (the switch came near %d): %d then %d", i, len(seqs), switchAt, seqs[i-1], seqs[i])
			}
		}
	}
}

// gaps counts the sequence numbers missing between the first and the
// highest of seqs.
func gaps(seqs []uint16) int {
	seen := map[uint16]bool{}
	var span int
	for _, s := range seqs {
		seen[s] = true
		span = max(span, int(s-seqs[0])+1)
	}
	return span - len(seen)
}

// videoLoss is the main server's media socket with a link behind it that
// loses every sending of every other VP8 packet (payload type 96 and
// sequence number, in clear in SRTP), and nothing else.
type videoLoss struct{ net.PacketConn }

func (c *videoLoss) WriteTo(b []byte, addr net.Addr) (int, error) {
	if len(b) >= 12 && b[0]>>6 == 2 && b[1]&0x7f == 96 && binary.BigEndian.Uint16(b[2:])%2 == 0 {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

// TestRelayReachesTheMainServerThroughTURN: the relay's upstream session
// may only use relayed candidates (a hub behind a strict firewall); its
// first offer has none, its answer names the main server's coturn with
// credentials, and the next session gathers through it: the venue's
// audio reaches a local viewer.
func TestRelayReachesTheMainServerThroughTURN(t *testing.T) {
	const secret = "shared with coturn"
	turnURL := coturntest.Start(t, "-n", "--static-auth-secret="+secret, "--allow-loopback-peers")
	m := newMainWith(t, media.Config{TURNSecret: []byte(secret), ICEServers: []media.ICEServer{{URL: turnURL}}})
	m.plenary(t)
	plain, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	relayOnly, err := mediaclient.New(mediaclient.Options{Loopback: true, RelayOnly: true, LearnICEServers: true})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := startMediaRelayWith(t, relay.Config{Upstream: m.url, Token: m.hubToken(t)}, relayOnly)
	venue(t, m, plain)
	v := viewRelay(t, r, plain, "screen", 0)
	waitFor(t, "the venue's audio at the local viewer, through coturn", func() bool { return v.audio.Load() >= 50 })
	if w := m.wheps.Load(); w < 2 {
		t.Errorf("the main server was sent %d WHEP offers, want the first (no candidates) and one through TURN", w)
	}
}

// TestOpusFECIsAskedForOnEveryHop: the main server's answers to the
// venue's WHIP and to a WHEP session of the client the relay uses
// upstream, and the relay's answer to a local viewer, all ask for Opus
// in-band FEC, so the venue's encoder adds it and it survives to the hub.
func TestOpusFECIsAskedForOnEveryHop(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r, client, _ := startMediaRelay(t, m)
	venue := cameraVenue(t, m, client)
	upstream, err := client.Subscribe(t.Context(), m.url+"/api/v1/rooms/plenary/whep", m.hubToken(t), 2, func(mediaclient.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { upstream.Close(context.Background()) })
	local := viewRelay(t, r, client, "screen", 0)
	for hop, answer := range map[string]string{"venue to main": venue.Answer(), "main to relay": upstream.Answer(), "relay to viewer": local.Answer()} {
		if !strings.Contains(answer, "useinbandfec=1") {
			t.Errorf("%s: the answer does not ask for FEC:\n%s", hop, answer)
		}
	}
}
