package auth_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/server/auth"
)

func claims() auth.Claims {
	now := time.Now()
	return auth.Claims{Room: "plenary", Role: "chair", Name: "Chair", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "chair", IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
	}}
}

// writePublicKey saves pub as a PEM file, as an accreditation system would
// hand it over, and loads it back the way `parley serve` does.
func writePublicKey(t *testing.T, pub crypto.PublicKey) crypto.PublicKey {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwt.pub")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := auth.LoadPublicKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestPublicKeyTokens(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherEd, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(m jwt.SigningMethod, key any) string {
		tok, err := jwt.NewWithClaims(m, claims()).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	edVerifier, err := auth.NewVerifier(nil, writePublicKey(t, edPub))
	if err != nil {
		t.Fatal(err)
	}
	rsaVerifier, err := auth.NewVerifier(nil, writePublicKey(t, &rsaKey.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(edPub)
	tests := []struct {
		name     string
		verifier *auth.Verifier
		token    string
		ok       bool
	}{
		{"EdDSA with its key", edVerifier, sign(jwt.SigningMethodEdDSA, edPriv), true},
		{"EdDSA with another key", edVerifier, sign(jwt.SigningMethodEdDSA, otherEd), false},
		{"RS256 with its key", rsaVerifier, sign(jwt.SigningMethodRS256, rsaKey), true},
		{"RS256 to an EdDSA verifier", edVerifier, sign(jwt.SigningMethodRS256, rsaKey), false},
		// The classic confusion: HMAC keyed with the public key's bytes.
		{"HS256 keyed with the public key", edVerifier, sign(jwt.SigningMethodHS256, der), false},
		{"HS256 keyed with the raw public key", edVerifier, sign(jwt.SigningMethodHS256, []byte(edPub)), false},
	}
	for _, tc := range tests {
		c, err := tc.verifier.Verify(tc.token)
		if tc.ok && (err != nil || c.Participant().Sub != "chair") {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: accepted or wrong error: %v", tc.name, err)
		}
	}
}

func TestParticipantDefaultsAndRooms(t *testing.T) {
	c := claims()
	c.Role, c.Name = "hub", ""
	p := c.Participant()
	if p.Mode != "hub" || p.Name != "chair" {
		t.Errorf("hub participant = %+v, want mode hub and the sub as name", p)
	}
	c.Role = "participant"
	if p := c.Participant(); p.Mode != "remote" {
		t.Errorf("participant mode = %q, want remote", p.Mode)
	}
	if !c.Allows("plenary") || c.Allows("ws-1") {
		t.Error("room claim not enforced")
	}
	c.Room = auth.AnyRoom
	if !c.Allows("ws-1") {
		t.Error(`room "*" does not admit to every room`)
	}
}

func TestIssueRefusesIncompleteClaims(t *testing.T) {
	for name, mutate := range map[string]func(*auth.Claims){
		"no sub":       func(c *auth.Claims) { c.Subject = "" },
		"no room":      func(c *auth.Claims) { c.Room = "" },
		"unknown role": func(c *auth.Claims) { c.Role = "king" },
		"unknown mode": func(c *auth.Claims) { c.Mode = "telepathy" },
	} {
		c := claims()
		mutate(&c)
		if _, err := auth.Issue([]byte("s"), c, time.Hour); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
