package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/qr"
)

// Personal links issued in bulk: the secretariat uploads the list of
// participants as CSV and gets each person's link back, as JSON (with a
// QR code for each when asked), or as CSV for a mail merge.

// How long issued links last unless ?ttl_h= says, and at most.
const (
	defaultLinkTTL = 7 * 24 * time.Hour
	maxLinkTTL     = 90 * 24 * time.Hour
)

// issuedLink is one person's link.
type issuedLink struct {
	Line  int    `json:"line"`
	Sub   string `json:"sub"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"jti"`
	Link  string `json:"link"`
	// QR is the link as an SVG QR code, with ?qr=1.
	QR string `json:"qr_svg,omitempty"`
}

type issuedLinks struct {
	Room      string       `json:"room"`
	ExpiresAt time.Time    `json:"expires_at"`
	Links     []issuedLink `json:"links"`
}

var linkColumns = []string{"line", "name", "sub", "role", "jti", "expires_at", "link"}

func (s *Server) issueTokens(w http.ResponseWriter, r request) error {
	if r.who.Role != rooms.RoleAdmin {
		return &rooms.Refusal{Kind: rooms.ErrForbidden, Reason: "admin_only", Params: map[string]any{},
			Text: "only an admin token (the secretariat's) may issue links"}
	}
	q := r.URL.Query()
	ttlH, err := uintParam(q.Get("ttl_h"), uint64(defaultLinkTTL/time.Hour), "ttl_h")
	if err != nil {
		return err
	}
	ttl := min(time.Duration(ttlH)*time.Hour, maxLinkTTL)
	base, err := linkBase(r.Request)
	if err != nil {
		return err
	}
	var cats rooms.Categories
	if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) { cats = st.Categories }); err != nil {
		return err
	}
	list, err := readParticipants(http.MaxBytesReader(w, r.Body, maxParticipantsBody), r.room, cats)
	if err != nil {
		return err
	}
	out := issuedLinks{Room: r.room, ExpiresAt: time.Now().Add(ttl).UTC().Truncate(time.Second), Links: make([]issuedLink, 0, len(list))}
	var bad []rowError
	for _, p := range list {
		p.claims.ID = tokenID()
		tok, err := s.verifier.Issue(p.claims, ttl)
		if err != nil {
			if errors.Is(err, auth.ErrCannotIssue) {
				return err
			}
			bad = append(bad, rowError{Line: p.line, Message: detail(err, auth.ErrInvalidToken)})
			continue
		}
		who := p.claims.Participant()
		link := issuedLink{Line: p.line, Sub: who.Sub, Name: who.Name, Role: who.Role, Token: p.claims.ID, Link: base + "/#token=" + tok}
		if q.Get("qr") == "1" {
			code, err := qr.Encode(link.Link, qr.M)
			if err != nil {
				bad = append(bad, rowError{Line: p.line, Message: "the link is too long for a QR code"})
				continue
			}
			link.QR = code.SVG(who.Name)
		}
		out.Links = append(out.Links, link)
	}
	if len(bad) > 0 {
		return badList(bad)
	}
	r.log.InfoContext(r.Context(), "links issued", "count", len(out.Links), "ttl", ttl)
	if !acceptsCSV(r.Request) {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-links.csv"`, r.room))
	rows := make([][]string, len(out.Links))
	for i, l := range out.Links {
		rows[i] = []string{fmt.Sprint(l.Line), csvText(l.Name), csvText(l.Sub), l.Role, l.Token, out.ExpiresAt.Format(time.RFC3339), l.Link}
	}
	return writeCSV(w, linkColumns, rows)
}

// linkBase is where links point: ?base= (the page's own origin, as the
// secretariat sees the server), else this request's host.
func linkBase(r *http.Request) (string, error) {
	raw := r.URL.Query().Get("base")
	if raw == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		return scheme + "://" + r.Host, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: base must be an http or https address such as https://parley.example, not %q", rooms.ErrInvalid, raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// tokenID is a new token's jti: 96 random bits, short in a QR code.
func tokenID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return base64.RawURLEncoding.EncodeToString(b)
}
