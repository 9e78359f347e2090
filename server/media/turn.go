package media

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTURNTTL is how long TURN credentials made from a shared secret
// last: coturn checks the expiry on every refresh of an allocation, so
// they must outlast the longest meeting day (the TURN REST API draft
// suggests one day).
const DefaultTURNTTL = 24 * time.Hour

// turnCredential is the pair coturn accepts with use-auth-secret (the TURN
// REST API convention): the username is "expiry:sub", expiry in Unix
// seconds, and the credential is base64(HMAC-SHA1(secret, username)).
func turnCredential(secret []byte, sub string, expires time.Time) (username, credential string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + sub
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Ephemeral tells a TURN server (RFC 7065) without credentials of its
// own: it is handed out with credentials made from the shared secret.
func (ice ICEServer) Ephemeral() bool {
	return ice.Username == "" && (strings.HasPrefix(ice.URL, "turn:") || strings.HasPrefix(ice.URL, "turns:"))
}

// checkICEServers refuses a TURN server that has neither credentials of
// its own nor a shared secret to make them from.
func checkICEServers(cfg Config) error {
	for _, ice := range cfg.ICEServers {
		if ice.Ephemeral() && len(cfg.TURNSecret) == 0 {
			return fmt.Errorf("media: TURN server %s needs a username and credential, or a shared secret", ice.URL)
		}
	}
	return nil
}

// iceServersFor are the ICE servers handed to sub now: a TURN server
// without credentials of its own gets a pair made from the shared secret,
// valid for the configured lifetime; the others pass as they are.
func (p *Plane) iceServersFor(sub string, now time.Time) []ICEServer {
	out := make([]ICEServer, len(p.cfg.ICEServers))
	for i, ice := range p.cfg.ICEServers {
		if ice.Ephemeral() {
			ice.Username, ice.Credential = turnCredential(p.cfg.TURNSecret, sub, now.Add(p.cfg.TURNTTL))
		}
		out[i] = ice
	}
	return out
}

// link is the server as a Link header (RFC 9725 §4.6, RFC 8288).
func (ice ICEServer) link() string {
	v := "<" + ice.URL + `>; rel="ice-server"`
	if ice.Username != "" {
		v += "; username=" + quote(ice.Username) + "; credential=" + quote(ice.Credential) + `; credential-type="password"`
	}
	return v
}

// quote is s as an HTTP quoted-string (RFC 9110 §5.6.4): a sub may hold
// any character.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
