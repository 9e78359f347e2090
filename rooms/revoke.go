package rooms

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Revocation: the secretariat withdraws a personal link that leaked or
// was given in error. The room's log keeps the list, so every node and
// every restart knows it; the server checks it on every request and the
// live hub closes the revoked token's connections when it is appended.

const (
	CmdRevoke      = "revoke"
	EvTokenRevoked = "token_revoked"
)

// TokenRevoked revokes, in one room, the token whose id (the jti claim) is
// Token, or every token of Sub. The data goes to the chair and admins only.
type TokenRevoked struct {
	Token  string `json:"token,omitempty"`
	Sub    string `json:"sub,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Revocation is one entry of a room's list, as the secretariat reads it.
type Revocation struct {
	TokenRevoked
	At time.Time `json:"at"`
	By Actor     `json:"by"`
}

// Revoked reports whether a token with id jti (may be "") held by sub is
// revoked in the room.
func (s *State) Revoked(jti, sub string) bool {
	return slices.ContainsFunc(s.revoked, func(r Revocation) bool { return r.Matches(jti, sub) })
}

// Revocations is the room's list, oldest first.
func (s *State) Revocations() []Revocation { return slices.Clone(s.revoked) }

// Matches reports whether the revocation covers a token with id jti held by sub.
func (d TokenRevoked) Matches(jti, sub string) bool {
	return (d.Token != "" && d.Token == jti) || (d.Sub != "" && d.Sub == sub)
}

func (d decision) revoke(cmd Command) ([]Event, error) {
	if !d.actor.chairs() {
		return nil, refuse(ErrForbidden, "chair_only", map[string]any{"command": cmd.Type}, "only the chair or an admin may revoke a token")
	}
	token, sub := strings.TrimSpace(cmd.Token), strings.TrimSpace(cmd.Sub)
	if slices.ContainsFunc(d.revoked, func(r Revocation) bool { return r.Token == token && r.Sub == sub }) {
		return nil, refuse(ErrState, "already_revoked", nil, "this token is already revoked")
	}
	return d.events(EvTokenRevoked, TokenRevoked{Token: token, Sub: sub, Reason: cmd.Reason}), nil
}

// maxRevokedID bounds a revoked token's id or sub, as tokens bound sub.
const maxRevokedID = 128

func validRevoke(c Command) error {
	switch {
	case strings.TrimSpace(c.Token) == "" && strings.TrimSpace(c.Sub) == "":
		return refuse(ErrInvalid, "revoke_target_required", nil, "revoke: token (a token's jti) or sub is required")
	case !utf8.ValidString(c.Token):
		return refuse(ErrInvalid, "field_not_utf8", map[string]any{"field": "token"}, "revoke: token is not valid UTF-8")
	case !utf8.ValidString(c.Sub):
		return refuse(ErrInvalid, "field_not_utf8", map[string]any{"field": "sub"}, "revoke: sub is not valid UTF-8")
	case len(c.Token) > maxRevokedID || len(c.Sub) > maxRevokedID:
		return refuse(ErrInvalid, "revoke_target_too_long", map[string]any{"max": maxRevokedID},
			fmt.Sprintf("revoke: token and sub are at most %d bytes", maxRevokedID))
	}
	return nil
}

func (s *State) foldRevoked(e Event) {
	var d TokenRevoked
	unmarshal(e, &d)
	s.revoked = append(s.revoked, Revocation{TokenRevoked: d, At: e.Time, By: e.Actor})
}
