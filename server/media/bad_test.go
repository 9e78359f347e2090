package media

import (
	"io"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// anOffer is a publisher's offer from a pion client that is then closed:
// answering it opens a session that never connects.
func anOffer(t *testing.T, dir webrtc.RTPTransceiverDirection) string {
	t.Helper()
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: dir}); err != nil {
		t.Fatal(err)
	}
	return offerFrom(t, pc)
}

func TestBadOffersAreRefusedClearly(t *testing.T) {
	r := newRig(t, Config{})
	send := anOffer(t, webrtc.RTPTransceiverDirectionSendonly)
	recv := anOffer(t, webrtc.RTPTransceiverDirectionRecvonly)
	for _, c := range []struct {
		name, endpoint, role, contentType, body string
		status                                  int
		says                                    string
	}{
		{"malformed SDP", "whip", "participant", typeSDP, "v=0\r\nthis is not sdp\r\n", 400, "not SDP"},
		{"no audio", "whip", "participant", typeSDP, strings.ReplaceAll(send, "m=audio", "m=video"), 400, "no audio"},
		{"no Opus", "whip", "participant", typeSDP, regexp.MustCompile(`(?i)opus/48000/2`).ReplaceAllString(send, "PCMU/8000"), 400, "no Opus"},
		{"a receiver's offer to WHIP", "whip", "venue", typeSDP, recv, 400, "recvonly"},
		{"a publisher's offer to WHEP", "whep", "participant", typeSDP, send, 400, "sendonly"},
		{"no ICE credentials", "whip", "participant", typeSDP, regexp.MustCompile(`a=ice-(ufrag|pwd):.*\r\n`).ReplaceAllString(send, ""), 400, "bad offer"},
		{"not SDP by its type", "whip", "participant", "application/json", send, 415, "application/sdp"},
		{"a role that may not publish", "whip", "observer", typeSDP, send, 403, "may not publish"},
		{"a captioner publishing", "whip", "captioner", typeSDP, send, 403, "may not publish"},
		{"a program mix from a participant", "whip?feed=program", "participant", typeSDP, send, 403, "venue token"},
		{"an unknown feed to publish", "whip?feed=return", "venue", typeSDP, send, 400, "the only feed to publish"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := r.post(c.endpoint, "someone", c.role, c.contentType, c.body)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status || !strings.Contains(string(body), c.says) {
				t.Fatalf("%d %q, want %d saying %q", resp.StatusCode, body, c.status, c.says)
			}
		})
	}
	resp := r.do(http.MethodPost, "/rooms/nowhere/whep", "someone", "participant", typeSDP, recv)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("offer to a room that does not exist: %d, want 404", resp.StatusCode)
	}
}

func TestSessionsAnswerOnlyTheirOwner(t *testing.T) {
	r := newRig(t, Config{})
	mic := r.publish("alice", rooms.RoleParticipant, 1)
	status := func(method, path, sub, contentType, body string) int {
		t.Helper()
		resp := r.do(method, path, sub, rooms.RoleParticipant, contentType, body)
		resp.Body.Close()
		return resp.StatusCode
	}
	ufrag := mic.session.ufrag
	frag := "a=ice-ufrag:" + ufrag + "\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\na=end-of-candidates\r\n"
	for _, c := range []struct {
		name, method, path, sub, contentType, body string
		want                                       int
	}{
		{"someone else's DELETE", http.MethodDelete, mic.location, "mallory", "", "", 403},
		{"someone else's PATCH", http.MethodPatch, mic.location, "mallory", typeFragment, frag, 403},
		{"an unknown session", http.MethodDelete, "/rooms/plenary/whip/nosuchsession", "alice", "", "", 404},
		{"the session on the other endpoint", http.MethodDelete, strings.Replace(mic.location, "/whip/", "/whep/", 1), "alice", "", "", 404},
		{"a PATCH that is not a fragment", http.MethodPatch, mic.location, "alice", typeSDP, frag, 415},
		{"an ICE restart", http.MethodPatch, mic.location, "alice", typeFragment, strings.Replace(frag, ufrag, "other", 1), 422},
		{"a trickled candidate", http.MethodPatch, mic.location, "alice", typeFragment, frag, 204},
		{"the owner's DELETE", http.MethodDelete, mic.location, "alice", "", "", 200},
		{"a DELETE once ended", http.MethodDelete, mic.location, "alice", "", "", 404},
	} {
		if got := status(c.method, c.path, c.sub, c.contentType, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// TestNoLeaksAfterFailedAndAbandonedOffers: refused offers and sessions
// that never connect leave no goroutine and no peer connection behind.
func TestNoLeaksAfterFailedAndAbandonedOffers(t *testing.T) {
	r := newRig(t, Config{ConnectTimeout: 300 * time.Millisecond})
	send := anOffer(t, webrtc.RTPTransceiverDirectionSendonly)
	recv := anOffer(t, webrtc.RTPTransceiverDirectionRecvonly)
	noCredentials := regexp.MustCompile(`a=ice-(ufrag|pwd):.*\r\n`).ReplaceAllString(send, "")
	before := settledGoroutines(r)
	for i := range 100 {
		body := "not sdp"
		if i%2 == 1 {
			body = noCredentials // refused by pion, after a peer connection was made
		}
		resp := r.post("whip", "alice", rooms.RoleParticipant, typeSDP, body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("failed offer %d: %d", i, resp.StatusCode)
		}
	}
	for i := range 100 {
		// Publishers and receivers alike.
		endpoint, body := "whip", send
		if i%2 == 1 {
			endpoint, body = "whep", recv
		}
		resp := r.post(endpoint, "p"+string(rune('a'+i%26))+string(rune('a'+i/26)), rooms.RoleParticipant, typeSDP, body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("abandoned offer %d: %d", i, resp.StatusCode)
		}
	}
	r.until("every abandoned session is reaped", func() bool {
		r.plane.mu.Lock()
		defer r.plane.mu.Unlock()
		return len(r.plane.rooms) == 0
	})
	r.until("goroutines are back to where they were", func() bool { return runtime.NumGoroutine() <= before })
}

// settledGoroutines is the count once the rig's start-up goroutines have
// come and gone: the highest of a few readings, as a baseline.
func settledGoroutines(r *rig) int {
	n := 0
	for range 3 {
		n = max(n, runtime.NumGoroutine())
		runtime.Gosched()
	}
	return n
}

func TestAnswerNamesTheICEServersInLinkHeaders(t *testing.T) {
	r := newRig(t, Config{ICEServers: []ICEServer{
		{URL: "stun:stun.example.net"},
		{URL: "turn:turn.example.net?transport=udp", Username: "user", Credential: "secret"},
	}})
	resp := r.post("whep", "viewer", rooms.RoleObserver, typeSDP, anOffer(t, webrtc.RTPTransceiverDirectionRecvonly))
	resp.Body.Close()
	want := []string{
		`<stun:stun.example.net>; rel="ice-server"`,
		`<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="secret"; credential-type="password"`,
	}
	if got := resp.Header.Values("Link"); resp.StatusCode != http.StatusCreated || !slices.Equal(got, want) {
		t.Fatalf("%d Link %q, want %q", resp.StatusCode, got, want)
	}
}
