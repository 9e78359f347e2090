// Package auth issues and verifies Parley's access tokens: JWTs whose claims
// say who the holder is, which room they may enter, their role, and the
// categories the speaking queue counts. Attributes come only from a verified
// token, never from what a client says.
package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
)

// Errors the server maps to statuses.
var (
	// ErrInvalidToken: missing, malformed, unsigned, wrongly signed or with
	// claims Parley does not accept.
	ErrInvalidToken = errors.New("invalid token")
	// ErrExpired: the token's exp has passed (or its nbf has not come).
	ErrExpired = errors.New("token expired")
	// ErrWrongRoom: the token is for another room.
	ErrWrongRoom = errors.New("token is for another room")
)

// AnyRoom in a token's room claim lets the holder into every room.
const AnyRoom = "*"

// Claims are the token's claims, all at the top level.
type Claims struct {
	jwt.RegisteredClaims
	Name   string `json:"name,omitempty"`
	Room   string `json:"room"`
	Role   string `json:"role"`
	Group  string `json:"group,omitempty"`
	Region string `json:"region,omitempty"`
	Gender string `json:"gender,omitempty"`
	// Country is the holder's country as an ISO 3166 code ("KE"), which
	// pages name in the reader's language.
	Country string `json:"country,omitempty"`
	// Delegation is whom the holder speaks for, as the meeting names it
	// ("European Union", "ISOC Kenya chapter"): shown beside their name.
	Delegation string `json:"delegation,omitempty"`
	Mode       string `json:"mode,omitempty"`
	Hub        string `json:"hub,omitempty"`
	HubName    string `json:"hub_name,omitempty"`
	Lang       string `json:"lang,omitempty"`
}

// Limits on claims, so a token cannot swell every snapshot it appears in.
const (
	MaxSubLen  = 128 // bytes
	MaxNameLen = 200 // characters
	MaxHubLen  = 100 // characters
	// MaxDelegationLen bounds the delegation claim.
	MaxDelegationLen = 100 // characters
)

// Participant is the room identity the claims describe, its categories in
// their canonical spelling (see rooms.Canonical). Mode defaults to
// "hub" for a hub's token and "remote" otherwise: a token is most often
// issued to someone joining from afar; in-room tokens say so.
func (c Claims) Participant() rooms.Participant {
	mode := rooms.Canonical(c.Mode)
	if mode == "" {
		mode = rooms.ModeRemote
		if c.Role == rooms.RoleHub {
			mode = rooms.ModeHub
		}
	}
	name := c.Name
	if name == "" {
		name = c.Subject
	}
	return rooms.Participant{
		Sub: c.Subject, Name: name, Role: c.Role, Group: rooms.Canonical(c.Group), Region: rooms.Canonical(c.Region),
		Gender: rooms.Canonical(c.Gender), Country: c.Country, Delegation: c.Delegation, Mode: mode, Hub: c.Hub, HubName: c.HubName, Lang: c.Lang,
	}
}

// Allows reports whether the claims admit their holder to room.
func (c Claims) Allows(room string) bool {
	return c.Room == AnyRoom || c.Room == room
}

func (c Claims) check() error {
	if c.Subject == "" {
		return fmt.Errorf("%w: no sub claim", ErrInvalidToken)
	}
	if c.Room == "" {
		return fmt.Errorf("%w: no room claim", ErrInvalidToken)
	}
	// A NUL keeps the room's own names (a hub's microphone, a hub's
	// members: rooms.MemberSub) apart from every token's.
	if strings.ContainsRune(c.Subject, 0) || strings.ContainsRune(c.Hub, 0) {
		return fmt.Errorf("%w: the sub and hub claims cannot hold NUL", ErrInvalidToken)
	}
	if !rooms.ValidRole(c.Role) {
		return fmt.Errorf("%w: unknown role %q", ErrInvalidToken, c.Role)
	}
	if c.Lang != "" && !rooms.ValidLanguage(c.Lang) {
		return fmt.Errorf("%w: lang %q is not a language tag such as en or pt-br", ErrInvalidToken, c.Lang)
	}
	if c.Role == rooms.RoleInterpreter && c.Lang == "" {
		return fmt.Errorf("%w: an interpreter token needs a lang claim: the language interpreted into", ErrInvalidToken)
	}
	if c.Mode != "" && !rooms.ValidMode(rooms.Canonical(c.Mode)) {
		return fmt.Errorf("%w: unknown mode %q: use in-room, remote or hub", ErrInvalidToken, c.Mode)
	}
	return c.checkSizes()
}

// checkSizes bounds every text claim.
func (c Claims) checkSizes() error {
	for _, claim := range []struct {
		name, value string
		limit       int
		runes       bool
	}{
		{"sub", c.Subject, MaxSubLen, false},
		{"name", c.Name, MaxNameLen, true},
		{"hub", c.Hub, MaxHubLen, true},
		{"hub_name", c.HubName, MaxHubLen, true},
		{"delegation", c.Delegation, MaxDelegationLen, true},
		{"group", c.Group, rooms.MaxCategoryLen, false},
		{"region", c.Region, rooms.MaxCategoryLen, false},
		{"gender", c.Gender, rooms.MaxCategoryLen, false},
		{"country", c.Country, rooms.MaxCategoryLen, false},
		{"lang", c.Lang, rooms.MaxCategoryLen, false},
	} {
		n, unit := len(claim.value), "bytes"
		if claim.runes {
			n, unit = utf8.RuneCountInString(claim.value), "characters"
		}
		if n > claim.limit {
			return fmt.Errorf("%w: the %s claim is %d %s long: at most %d", ErrInvalidToken, claim.name, n, unit, claim.limit)
		}
	}
	return nil
}

// CheckCategories returns c with its group, region, gender and mode in the
// canonical spelling of allowed's categories, or an error wrapping
// ErrInvalidToken that names the claim and the values allowed.
func (c Claims) CheckCategories(allowed rooms.Categories) (Claims, error) {
	p, err := allowed.Admit(rooms.Participant{Group: c.Group, Region: c.Region, Gender: c.Gender, Mode: c.Mode})
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	c.Group, c.Region, c.Gender, c.Mode = p.Group, p.Region, p.Gender, p.Mode
	return c, nil
}

// Verifier checks tokens signed with a shared HS256 secret or, for
// production, with the private half of an Ed25519 or RSA public key.
type Verifier struct {
	secret    []byte
	publicKey crypto.PublicKey
	now       func() time.Time
}

// NewVerifier accepts HS256 tokens signed with secret (when not empty) and
// EdDSA or RS256 tokens signed for publicKey (when not nil).
func NewVerifier(secret []byte, publicKey crypto.PublicKey) (*Verifier, error) {
	if len(secret) == 0 && publicKey == nil {
		return nil, errors.New("auth: a secret or a public key is needed to verify tokens")
	}
	switch publicKey.(type) {
	case nil, ed25519.PublicKey, *rsa.PublicKey:
	default:
		return nil, fmt.Errorf("auth: public key of type %T: use Ed25519 or RSA", publicKey)
	}
	return &Verifier{secret: secret, publicKey: publicKey, now: time.Now}, nil
}

// LoadPublicKey reads a PEM-encoded Ed25519 or RSA public key.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read public key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("auth: %s holds no PEM block", path)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: parse public key in %s: %w", path, err)
	}
	return key, nil
}

// Verify checks a token's signature, time claims and Parley claims. Its
// errors wrap ErrInvalidToken or ErrExpired and say what was wrong, without
// repeating the token.
func (v *Verifier) Verify(token string) (Claims, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, v.key,
		jwt.WithValidMethods(v.methods()),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(v.now),
		jwt.WithLeeway(30*time.Second),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return Claims{}, fmt.Errorf("%w: %v", ErrExpired, err)
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if err := claims.check(); err != nil {
		return Claims{}, err
	}
	return claims, nil
}

// VerifyFor verifies token and checks that it admits its holder to room.
func (v *Verifier) VerifyFor(token, room string) (Claims, error) {
	c, err := v.Verify(token)
	if err != nil {
		return Claims{}, err
	}
	if !c.Allows(room) {
		return Claims{}, &rooms.Refusal{Kind: ErrWrongRoom, Reason: "wrong_room", Params: map[string]any{"token_room": c.Room, "room": room},
			Text: fmt.Sprintf("it admits to room %q, not %q", c.Room, room)}
	}
	return c, nil
}

func (v *Verifier) methods() []string {
	var m []string
	if len(v.secret) > 0 {
		m = append(m, jwt.SigningMethodHS256.Alg())
	}
	switch v.publicKey.(type) {
	case ed25519.PublicKey:
		m = append(m, jwt.SigningMethodEdDSA.Alg())
	case *rsa.PublicKey:
		m = append(m, jwt.SigningMethodRS256.Alg())
	}
	return m
}

func (v *Verifier) key(t *jwt.Token) (any, error) {
	if t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		return v.secret, nil
	}
	return v.publicKey, nil
}

// ErrCannotIssue: the verifier checks tokens signed elsewhere (a public
// key) and holds no secret to sign with.
var ErrCannotIssue = errors.New("this server verifies tokens it cannot sign: issue them where its public key's private half is")

// Issue signs claims with the HS256 secret v verifies with, for the
// secretariat's bulk issue; ErrCannotIssue when it has none.
func (v *Verifier) Issue(claims Claims, ttl time.Duration) (string, error) {
	if len(v.secret) == 0 {
		return "", ErrCannotIssue
	}
	return Issue(v.secret, claims, ttl)
}

// Issue signs claims with an HS256 secret, valid for ttl from now. It is what
// `parley token` and the demo use; an accreditation system can do the same.
func Issue(secret []byte, claims Claims, ttl time.Duration) (string, error) {
	if err := claims.check(); err != nil {
		return "", err
	}
	now := time.Now()
	claims.IssuedAt = jwt.NewNumericDate(now)
	claims.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
