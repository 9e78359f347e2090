package relay

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
)

// The hub's members come to the relay with one of two tokens. One the
// relay issued (Config.Local) is checked here; the hub vouches for its
// holder upstream (rooms.HubMember), under the hub's namespace. One the
// main server issued for a member of this hub is checked upstream (GET
// .../me), once until it expires; its holder's commands go upstream with
// their own token.

const (
	// maxKnown bounds the upstream tokens the relay remembers.
	maxKnown = 4096
	// askWait bounds a question to the main server.
	askWait = 10 * time.Second
)

// member is a local connection's holder: who the room takes them to be,
// and until when their token holds (zero: always).
type member struct {
	rooms.Participant
	expires time.Time
	// token is the main server's token of a member it issued it to: their
	// commands go upstream with it. Empty for the relay's own tokens.
	token string
	// vouch is the member the hub vouches for upstream, for a participant
	// holding one of the relay's tokens.
	vouch *rooms.HubMember
}

// denied is why the relay does not let a token's holder in.
type denied struct {
	status        int
	code, message string
}

func (e *denied) Error() string { return e.message }

// identify says who holds token.
func (r *Relay) identify(ctx context.Context, token string) (member, error) {
	claims, err := r.cfg.Local.VerifyFor(token, r.room)
	switch {
	case err == nil:
		return r.local(claims), nil
	case token != "" && errors.Is(err, auth.ErrInvalidToken) && !errors.Is(err, auth.ErrExpired):
		if m, ok := r.upstreamMember(ctx, token); ok {
			return m.member, m.err
		}
	}
	return member{}, &denied{http.StatusUnauthorized, "unauthorized", err.Error()}
}

// local is the holder of one of the relay's tokens: a member of the hub
// (whatever hub the token names), a participant under the hub's namespace.
func (r *Relay) local(c auth.Claims) member {
	p := c.Participant()
	p.Hub, p.HubName = r.hub.Hub, r.hub.HubName
	m := member{Participant: p}
	if c.ExpiresAt != nil {
		m.expires = c.ExpiresAt.Time
	}
	if p.Role == rooms.RoleParticipant {
		m.vouch = &rooms.HubMember{Sub: p.Sub, Name: p.Name, Group: p.Group, Region: p.Region, Gender: p.Gender}
		m.Sub, m.Mode = rooms.MemberSub(p.Hub, p.Sub), rooms.ModeHub
	}
	return m
}

// known is the main server's answer about one token.
type known struct {
	member
	err error
}

// upstreamMember asks the main server who holds token, unless it said so
// before; false when the token is not for this room.
func (r *Relay) upstreamMember(ctx context.Context, token string) (known, bool) {
	var claims auth.Claims
	// Only a token for this room and this hub is worth asking about; the
	// main server checks the rest.
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil || claims.Room != r.room {
		return known{}, false
	}
	if claims.Hub != r.hub.Hub || r.hub.Hub == "" {
		return known{err: r.notOurs()}, true
	}
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	r.knownMu.Lock()
	k, ok := r.known[key]
	r.knownMu.Unlock()
	if ok && now.Before(k.expires) {
		return k, true
	}
	k = r.ask(ctx, token)
	if k.err == nil {
		r.knownMu.Lock()
		if len(r.known) >= maxKnown {
			for t, old := range r.known {
				if !now.Before(old.expires) {
					delete(r.known, t)
				}
			}
		}
		if len(r.known) < maxKnown {
			r.known[key] = k
		}
		r.knownMu.Unlock()
	}
	return k, true
}

// ask asks the main server who holds token.
func (r *Relay) ask(ctx context.Context, token string) known {
	ctx, cancel := context.WithTimeout(ctx, askWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.cfg.Upstream+"/api/v1/rooms/"+r.room+"/me", nil)
	if err != nil {
		return known{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return known{err: &denied{http.StatusServiceUnavailable, "unavailable", "the relay cannot check this token with the main server now (its link is down); try again once it is back"}}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		code, message := upstreamError(resp)
		if resp.StatusCode >= 500 {
			return known{err: &denied{http.StatusServiceUnavailable, code, message}}
		}
		return known{err: &denied{resp.StatusCode, code, message}}
	}
	var me struct {
		You     protocol.You `json:"you"`
		Expires time.Time    `json:"expires"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		return known{err: &denied{http.StatusServiceUnavailable, "unavailable", "the main server's answer about this token is unreadable"}}
	}
	if me.You.Hub != r.hub.Hub {
		return known{err: r.notOurs()}
	}
	sp := me.You.Speaker
	return known{member: member{
		Participant: rooms.Participant{Sub: sp.Sub, Name: sp.Name, Role: me.You.Role, Group: sp.Group, Region: sp.Region, Gender: sp.Gender, Mode: sp.Mode, Hub: sp.Hub, HubName: sp.HubName, Lang: me.You.Lang},
		expires:     me.Expires,
		token:       token,
	}}
}

// notOurs refuses, as it refuses a token it cannot read, a main server's token for someone not of this hub.
func (r *Relay) notOurs() error {
	return &denied{http.StatusUnauthorized, "unauthorized", fmt.Sprintf("this relay takes its own tokens and the main server's for members of hub %q: yours is for another hub or none; use the main server", r.hub.Hub)}
}

// upstreamError reads the main server's error answer.
func upstreamError(resp *http.Response) (code, message string) {
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || body.Error.Code == "" {
		return "unavailable", fmt.Sprintf("the main server answered %s", resp.Status)
	}
	return body.Error.Code, body.Error.Message
}
