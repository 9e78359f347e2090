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

func validRevoke(c Command) error {
	if strings.TrimSpace(c.Token) == "" && strings.TrimSpace(c.Sub) == "" {
		return fmt.Errorf("%w: revoke: token (a token's jti) or sub is required", ErrInvalid)
	}
	if !utf8.ValidString(c.Token) || !utf8.ValidString(c.Sub) {
		return fmt.Errorf("%w: revoke: token and sub must be valid UTF-8", ErrInvalid)
	}
	if len(c.Token) > 128 || len(c.Sub) > 128 {
		return fmt.Errorf("%w: revoke: token and sub are at most 128 bytes", ErrInvalid)
	}
	return nil
}

func (s *State) foldRevoked(e Event) {
	var d TokenRevoked
	unmarshal(e, &d)
	s.revoked = append(s.revoked, Revocation{TokenRevoked: d, At: e.Time, By: e.Actor})
}
