package media

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// askedForKeyframe waits until cam has been asked for more keyframes than
// before, sending as it waits.
func (r *rig) askedForKeyframe(cam *publisher, before int64, what string) {
	r.t.Helper()
	r.until(fmt.Sprintf("%s asks %s for a keyframe", what, cam.sub), func() bool {
		cam.send(1)
		return cam.plis.Load() > before
	})
}

func TestVideoCarriesTheVenueAndTheFloorCameras(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publishWith("whip", "hall", rooms.RoleVenue, 20000, webrtc.MimeTypeVP8)
	alice := r.publishWith("whip", "alice", rooms.RoleParticipant, 100, webrtc.MimeTypeVP8)
	bob := r.publishWith("whip", "bob", rooms.RoleParticipant, 60000, webrtc.MimeTypeVP8)

	// A video receiver joining mid-session has the venue asked for a keyframe.
	before := venue.camera.plis.Load()
	v := r.viewWith(newViewerLines(t, clientAPI(t), 2, 2), "whep", "viewer", rooms.RoleParticipant)
	r.askedForKeyframe(venue.camera, before, "a video receiver joining")
	r.hears(v, 2, venue.camera, venue.camera.sent)

	// The floor's camera: nothing before the floor, then alice's, asked
	// for a keyframe; then bob's, continuous.
	alice.camera.sendRead(r, 20)
	sent := alice.camera.sent
	before = alice.camera.plis.Load()
	r.giveFloor(participant("alice"))
	r.askedForKeyframe(alice.camera, before, "floor_granted")
	r.hears(v, 3, alice.camera, alice.camera.sent)
	none(t, v.got(3), alice.camera, 0, sent+1, "before floor_granted")
	r.command(r.chair, rooms.Command{Type: rooms.CmdRelease})
	before = bob.camera.plis.Load()
	r.giveFloor(participant("bob"))
	r.askedForKeyframe(bob.camera, before, "the next floor_granted")
	floor := r.hears(v, 3, bob.camera, bob.camera.sent)
	continuous(t, "floor video", floor)
	// Each speaker's picture starts from a keyframe.
	for i, g := range floor {
		if (i == 0 || floor[i-1].from != g.from) && !g.key {
			t.Fatalf("the floor video switched to %s on packet %d, not a keyframe", g.from, g.counter)
		}
	}
	for _, g := range v.got(2) {
		if g.from != venue.sub {
			t.Fatalf("the venue video carried %s's camera", g.from)
		}
	}
	// Audio still flows as before.
	r.hears(v, 1, bob, bob.sent+1)
}

func TestAnAudioOnlyOfferGetsAudioOnly(t *testing.T) {
	r := newRig(t, Config{})
	r.publishWith("whip", "hall", rooms.RoleVenue, 1, webrtc.MimeTypeVP8)
	v := newViewer(t, 1)
	resp := r.post("whep", "listener", rooms.RoleParticipant, typeSDP, offerFrom(t, v.pc))
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || strings.Contains(string(answer), "m=video") {
		t.Fatalf("%d, answer:\n%s", resp.StatusCode, answer)
	}
	v.pc.Close()
}

func TestAVideoLineWithoutACodecParleyCarriesIsDeclined(t *testing.T) {
	r := newRig(t, Config{})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000}, PayloadType: 45,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	loopbackOnly(&se)
	v := r.viewWith(newViewerLines(t, webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), 1, 1), "whep", "av1", rooms.RoleParticipant)
	if n := len(r.sessionAt(v.location).outs); n != 1 {
		t.Fatalf("%d outlets, want the audio alone", n)
	}
}

// An H.264 camera (OBS's codec) reaches a receiver that offers H.264
// among others: it is answered in the codec the camera sends.
func TestAnH264VenueReachesReceiversThatOfferIt(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publishWith("whip", "hall", rooms.RoleVenue, 1, webrtc.MimeTypeH264)
	if got := venue.session.video.Load().mime; got != webrtc.MimeTypeH264 {
		t.Fatalf("the venue's camera arrived as %s", got)
	}
	v := r.viewWith(newViewerLines(t, clientAPI(t), 1, 1), "whep", "viewer", rooms.RoleParticipant)
	if got := r.sessionAt(v.location).outs[1].track.mime; got != webrtc.MimeTypeH264 {
		t.Fatalf("the receiver's video is %s, want H.264 as the venue sends", got)
	}
	r.hears(v, 1, venue.camera, venue.camera.sent+5)
}

// TestALostKeyframeRequestIsMadeAgain: RTCP travels over UDP, and a
// camera that never gets the PLI sends no keyframe, so a speaker's
// picture would never reach the floor and a joining viewer would have
// none. The server asks again until a keyframe comes.
func TestALostKeyframeRequestIsMadeAgain(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publishWith("whip", "hall", rooms.RoleVenue, 20000, webrtc.MimeTypeVP8)
	alice := r.publishWith("whip", "alice", rooms.RoleParticipant, 100, webrtc.MimeTypeVP8)

	venue.camera.lose.Store(1)
	v := r.viewWith(newViewerLines(t, clientAPI(t), 2, 2), "whep", "viewer", rooms.RoleParticipant)
	r.askedForKeyframe(venue.camera, 0, "a video receiver joining, once its first request was lost")
	r.until("a keyframe of the venue reaches the viewer", func() bool {
		venue.camera.send(1)
		return slices.ContainsFunc(v.got(2), func(g received) bool { return g.from == venue.sub && g.key })
	})

	alice.camera.sendRead(r, 20)
	alice.camera.lose.Store(1)
	before := alice.camera.plis.Load()
	r.giveFloor(participant("alice"))
	r.askedForKeyframe(alice.camera, before, "floor_granted, once its first request was lost")
	floor := r.hears(v, 3, alice.camera, alice.camera.sent)
	if !floor[0].key {
		t.Fatalf("the floor's picture started on packet %d, not a keyframe", floor[0].counter)
	}
}
