package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// B13: a claim too large to belong in every snapshot is refused, whether
// the token comes from Issue or from another issuer.
func TestOversizedClaimsAreRefused(t *testing.T) {
	secret := []byte("a-secret-long-enough-for-hs256-ok")
	v, _ := auth.NewVerifier(secret, nil)
	for _, tc := range []struct {
		claim string
		set   func(*auth.Claims)
	}{
		{"name", func(c *auth.Claims) { c.Name = strings.Repeat("n", 500_000) }},
		{"hub", func(c *auth.Claims) { c.Hub = strings.Repeat("h", auth.MaxHubLen+1) }},
		{"delegation", func(c *auth.Claims) { c.Delegation = strings.Repeat("d", auth.MaxDelegationLen+1) }},
		{"group", func(c *auth.Claims) { c.Group = strings.Repeat("g", rooms.MaxCategoryLen+1) }},
		{"gender", func(c *auth.Claims) { c.Gender = strings.Repeat("x", rooms.MaxCategoryLen+1) }},
		{"sub", func(c *auth.Claims) { c.Subject = strings.Repeat("s", auth.MaxSubLen+1) }},
	} {
		c := claims()
		tc.set(&c)
		if _, err := auth.Issue(secret, c, 0); !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "the "+tc.claim+" claim is") {
			t.Errorf("Issue with a long %s: %v", tc.claim, err)
		}
		signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(signed); !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "at most") {
			t.Errorf("Verify with a long %s: %v", tc.claim, err)
		}
	}
}

// The country and the delegation a token carries reach the speaker every
// queue, floor and record shows, as given: neither is a balance category.
func TestCountryAndDelegationReachTheSpeaker(t *testing.T) {
	c := claims()
	c.Country, c.Delegation = "KE", "ISOC Kenya chapter"
	sp := c.Participant().Speaker()
	if sp.Country != "KE" || sp.Delegation != "ISOC Kenya chapter" {
		t.Errorf("speaker %+v, want country KE and the delegation", sp)
	}
	if _, counted := sp.Categories()["country"]; counted {
		t.Errorf("categories %v count the country", sp.Categories())
	}
	if got := rooms.PublicView.Speaker(sp); got.Country != "KE" || got.Delegation != sp.Delegation {
		t.Errorf("public view %+v drops the country or the delegation", got)
	}
}

func TestCategoriesAreNormalised(t *testing.T) {
	c := claims()
	c.Group, c.Gender, c.Region, c.Mode = "Civil Society", "female", "Latin America and the Caribbean", "In Room"
	p := c.Participant()
	if p.Group != "civil-society" || p.Gender != "woman" || p.Region != "latin-america-caribbean" || p.Mode != "in-room" {
		t.Errorf("participant %+v, want canonical categories", p)
	}
	c.Group = "youth"
	_, err := c.CheckCategories(rooms.DefaultCategories())
	if !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), `group "youth"`) || !strings.Contains(err.Error(), "technical-community") {
		t.Errorf("an unknown group: %v, want the claim and the allowed values named", err)
	}
	extended, _ := rooms.DefaultCategories().Extend(rooms.Categories{"group": {"youth"}})
	if got, err := c.CheckCategories(extended); err != nil || got.Group != "youth" || got.Gender != "woman" {
		t.Errorf("with youth allowed: %+v, %v", got, err)
	}
}

func TestAnInterpreterTokenNeedsALanguage(t *testing.T) {
	secret := []byte("a-secret-long-enough-for-hs256-ok")
	c := claims()
	c.Role = rooms.RoleInterpreter
	if _, err := auth.Issue(secret, c, 0); !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "lang claim") {
		t.Errorf("an interpreter without lang: %v", err)
	}
	c.Lang = "fr"
	if _, err := auth.Issue(secret, c, 0); err != nil {
		t.Errorf("an interpreter into fr: %v", err)
	}
}
