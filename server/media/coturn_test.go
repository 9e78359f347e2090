package media

import (
	"encoding/binary"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/coturntest"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// TestRelayOnlyViewerHearsTheVenueThroughCoturn starts a real coturn on
// 127.0.0.1 with a shared secret, and a viewer that may only use relayed
// candidates: it learns the TURN server and its credentials from the Link
// headers of a first answer, then receives the venue feed over WHEP
// through the relay.
func TestRelayOnlyViewerHearsTheVenueThroughCoturn(t *testing.T) {
	const secret = "shared with coturn"
	turnURL := coturntest.Start(t, "-n", "--static-auth-secret="+secret, "--allow-loopback-peers")
	r := newRig(t, Config{TURNSecret: []byte(secret), ICEServers: []ICEServer{{URL: turnURL}}})
	venue := r.publish("hall", rooms.RoleVenue, 100)
	hc := &http.Client{Transport: callerHeaders{sub: "amina", role: rooms.RoleParticipant}}
	whep := r.url + "/rooms/" + r.room + "/whep"

	first, err := mediaclient.New(mediaclient.Options{HTTP: hc, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	probe, err := first.Subscribe(t.Context(), whep, "", 1, func(mediaclient.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	ice := probe.ICEServers()
	if err := probe.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(ice) != 1 || ice[0].URLs[0] != turnURL || ice[0].Username == "" {
		t.Fatalf("the answer named %+v, want %s with credentials", ice, turnURL)
	}

	relayed, err := mediaclient.New(mediaclient.Options{HTTP: hc, Loopback: true, ICEServers: ice, RelayOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var heard atomic.Uint64
	sub, err := relayed.Subscribe(t.Context(), whep, "", 1, func(p mediaclient.Packet) {
		if len(p.Payload) >= 8 {
			heard.Store(binary.BigEndian.Uint64(p.Payload))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close(t.Context()) })
	r.until("the relay-only viewer hears the venue", func() bool {
		venue.send(1)
		return heard.Load() > 0
	})
	if typ, ok := sub.LocalCandidate(); !ok || typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("connected over a %s candidate (%v), want relay", typ, ok)
	}
}

// callerHeaders names the caller as the rig's server expects.
type callerHeaders struct{ sub, role string }

func (c callerHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("X-Sub", c.sub)
	req.Header.Set("X-Role", c.role)
	return http.DefaultTransport.RoundTrip(req)
}

// TestDeployedCoturnConfigIsAccepted runs coturn with deploy/turnserver.conf
// (on test ports) and checks it took every line.
func TestDeployedCoturnConfigIsAccepted(t *testing.T) {
	var logs coturntest.Logs
	coturntest.StartLogging(t, &logs, "-c", "../../deploy/turnserver.conf")
	if bad := "Bad configuration format"; strings.Contains(logs.String(), bad) {
		t.Fatalf("coturn refused lines of the configuration:\n%s", logs.String())
	}
}
