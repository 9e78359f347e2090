package rooms

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Revocation: the secretariat withdraws a personal link that leaked or
// was given in error. The room's log keeps the list, so every node and
// every restart knows it; the Service checks it on the read of the room
// that serves each request (WithHolder) and the live hub closes the
// revoked token's connections when it is appended.

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

// Holder is who presents the token a request carries: the token's id (its
// jti claim, "" if it has none) and the person it names (its sub).
type Holder struct{ Token, Sub string }

type holderKey struct{}

// WithHolder returns ctx carrying h. The Service's View and Execute, and
// what is built on them, refuse with ErrRevoked a holder the room's
// revocation list names, on the same read of the room that serves the
// call: a request pays no read of its own for the check. A context
// without a holder (the public reader of a published record, the
// server's own work) is refused nothing.
func WithHolder(ctx context.Context, h Holder) context.Context {
	return context.WithValue(ctx, holderKey{}, h)
}

func holderOf(ctx context.Context) (Holder, bool) {
	h, ok := ctx.Value(holderKey{}).(Holder)
	return h, ok
}

// admit refuses the holder ctx carries, if the room has revoked it.
func (s *State) admit(ctx context.Context) error {
	if h, ok := holderOf(ctx); ok && s.Revoked(h.Token, h.Sub) {
		return refuse(ErrRevoked, "token_revoked", map[string]any{}, "this link has been revoked: ask the meeting secretariat for a new one")
	}
	return nil
}

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
