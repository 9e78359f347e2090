package media

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// TestTURNCredentialFollowsCoturnsRESTConvention checks a pair against one
// computed independently:
//
//	printf '%s' '1767225600:amina' | openssl dgst -sha1 -hmac 'north-star' -binary | base64
func TestTURNCredentialFollowsCoturnsRESTConvention(t *testing.T) {
	user, cred := turnCredential([]byte("north-star"), "amina", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if user != "1767225600:amina" || cred != "cAZruPI+/r7IQHFayZjcFszlcJ4=" {
		t.Fatalf("got %q %q", user, cred)
	}
}

func TestATURNServerNeedsCredentialsOrASecret(t *testing.T) {
	for _, tc := range []struct {
		ice    ICEServer
		secret string
		ok     bool
	}{
		{ICEServer{URL: "stun:stun.example.net"}, "", true},
		{ICEServer{URL: "turn:turn.example.net", Username: "u", Credential: "c"}, "", true},
		{ICEServer{URL: "turns:turn.example.net"}, "s", true},
		{ICEServer{URL: "turn:turn.example.net"}, "", false},
	} {
		err := checkICEServers(Config{ICEServers: []ICEServer{tc.ice}, TURNSecret: []byte(tc.secret)})
		if (err == nil) != tc.ok {
			t.Errorf("%+v with secret %q: %v", tc.ice, tc.secret, err)
		}
	}
}

func TestLinkQuotesWhatASubHolds(t *testing.T) {
	got := ICEServer{URL: "turn:t.example", Username: `1:a"b\c`, Credential: "x"}.link()
	want := `<turn:t.example>; rel="ice-server"; username="1:a\"b\\c"; credential="x"; credential-type="password"`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestAnswersHandOutTimeLimitedTURNCredentials: each WHIP and WHEP answer
// names the TURN server with a pair made for its caller from the shared
// secret, expiring a lifetime from now; STUN and a TURN server with its
// own credentials pass as they are.
func TestAnswersHandOutTimeLimitedTURNCredentials(t *testing.T) {
	const ttl = 90 * time.Minute
	secret := []byte("shared with coturn")
	r := newRig(t, Config{TURNSecret: secret, TURNTTL: ttl, ICEServers: []ICEServer{
		{URL: "stun:stun.example.net"},
		{URL: "turn:turn.example.net?transport=udp"},
		{URL: "turn:other.example.net", Username: "fixed", Credential: "pass"},
	}})
	for _, tc := range []struct {
		endpoint, sub, role string
		dir                 webrtc.RTPTransceiverDirection
	}{
		{"whep", "amina", rooms.RoleObserver, webrtc.RTPTransceiverDirectionRecvonly},
		{"whep", "ba", rooms.RoleObserver, webrtc.RTPTransceiverDirectionRecvonly},
		{"whip", "hall", rooms.RoleVenue, webrtc.RTPTransceiverDirectionSendonly},
	} {
		before := time.Now()
		resp := r.post(tc.endpoint, tc.sub, tc.role, typeSDP, anOffer(t, tc.dir))
		resp.Body.Close()
		after := time.Now()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s as %s: %d", tc.endpoint, tc.sub, resp.StatusCode)
		}
		links := resp.Header.Values("Link")
		if len(links) != 3 || links[0] != `<stun:stun.example.net>; rel="ice-server"` ||
			links[2] != `<turn:other.example.net>; rel="ice-server"; username="fixed"; credential="pass"; credential-type="password"` {
			t.Fatalf("%s as %s: Link %q", tc.endpoint, tc.sub, links)
		}
		user, cred := linkCredentials(t, links[1], "turn:turn.example.net?transport=udp")
		expiry, sub, _ := strings.Cut(user, ":")
		at, err := strconv.ParseInt(expiry, 10, 64)
		if err != nil || sub != tc.sub || at < before.Add(ttl).Unix() || at > after.Add(ttl).Unix() {
			t.Fatalf("%s as %s: username %q, want expiry in [%d, %d] and the sub", tc.endpoint, tc.sub, user, before.Add(ttl).Unix(), after.Add(ttl).Unix())
		}
		mac := hmac.New(sha1.New, secret)
		mac.Write([]byte(user))
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); cred != want {
			t.Fatalf("%s as %s: credential %q, want %q", tc.endpoint, tc.sub, cred, want)
		}
	}
}

// linkCredentials reads the username and credential of an ice-server Link
// to url, checking its form (RFC 9725 §4.6).
func linkCredentials(t *testing.T, link, url string) (user, cred string) {
	t.Helper()
	params := strings.Split(link, "; ")
	if len(params) != 5 || params[0] != "<"+url+">" || params[1] != `rel="ice-server"` || params[4] != `credential-type="password"` {
		t.Fatalf("Link %s", link)
	}
	user, okU := strings.CutPrefix(params[2], "username=")
	cred, okC := strings.CutPrefix(params[3], "credential=")
	if !okU || !okC {
		t.Fatalf("Link %s", link)
	}
	return strings.Trim(user, `"`), strings.Trim(cred, `"`)
}
