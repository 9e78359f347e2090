package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
)

// maxOffer bounds an offer or a trickled fragment: SDP is a few KiB.
const maxOffer = 64 << 10

// Content types of WHIP and WHEP bodies.
const (
	typeSDP      = "application/sdp"
	typeFragment = "application/trickle-ice-sdpfrag"
)

// Caller is an authenticated request to a media endpoint, as the server
// hands it over.
type Caller struct {
	Room string
	Who  rooms.Participant
	// Publish: WHIP (the caller sends); otherwise WHEP (the caller receives).
	Publish bool
	// Session names the session a PATCH or DELETE is for.
	Session string
}

// ServeOffer answers a WHIP or WHEP POST: 307 to the node that holds the
// room's media if that is another; otherwise 201 with the SDP answer, the
// session's Location and the ICE servers in Link headers (RFC 9725). A
// WHEP POST may ask for ?feed=return, or ?lang= for an interpretation. A
// closing plane answers 307 to the holder or to another live node (see
// Config.Nodes). It returns, without answering, why it refused.
func (p *Plane) ServeOffer(w http.ResponseWriter, r *http.Request, c Caller) error {
	feed, lang := r.URL.Query().Get("feed"), r.URL.Query().Get("lang")
	k, err := sessionKind(c, feed, lang)
	if err != nil {
		return err
	}
	holder, err := p.elsewhere(r.Context(), c.Room)
	if err != nil {
		return err
	}
	if holder != "" {
		redirect(w, r, holder)
		return nil
	}
	body, err := readBody(w, r, typeSDP)
	if err != nil {
		return err
	}
	o, err := checkOffer(body, c.Publish)
	if err != nil {
		return err
	}
	s, answer, err := p.open(r.Context(), c.Room, c.Who, k, o, feed, lang)
	if errors.Is(err, ErrClosed) {
		// The plane began closing since the lease was claimed.
		if holder, err = p.away(r.Context(), c.Room); err == nil {
			redirect(w, r, holder)
			return nil
		}
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", typeSDP)
	h.Set("Location", strings.TrimSuffix(r.URL.Path, "/")+"/"+s.id)
	for _, ice := range p.iceServersFor(c.Who.Sub, time.Now()) {
		h.Add("Link", ice.link())
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
	return nil
}

// ServeSession answers a PATCH (trickled candidates) or DELETE (the end)
// on a session's Location; only the session's own caller may.
func (p *Plane) ServeSession(w http.ResponseWriter, r *http.Request, c Caller) error {
	s, err := p.session(c.Room, c.Session)
	if err == nil && (s.kind == kindViewer) == c.Publish {
		err = fmt.Errorf("%w: %q is a session of the other endpoint", ErrNoSession, c.Session)
	}
	if err != nil {
		return err
	}
	if s.who.Sub != c.Who.Sub {
		return fmt.Errorf("%w: media session %q is someone else's", rooms.ErrForbidden, c.Session)
	}
	switch r.Method {
	case http.MethodPatch:
		body, err := readBody(w, r, typeFragment)
		if err != nil {
			return err
		}
		if err := s.trickle(body); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		s.end("the client ended it")
		if err := s.wait(r.Context()); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "PATCH, DELETE")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
	return nil
}

// redirect sends the client to post the same offer to node (RFC 9725
// redirects).
func redirect(w http.ResponseWriter, r *http.Request, node string) {
	w.Header().Set("Location", node+r.URL.RequestURI())
	w.WriteHeader(http.StatusTemporaryRedirect)
}

func readBody(w http.ResponseWriter, r *http.Request, want string) ([]byte, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != want {
		return nil, fmt.Errorf("%w: the body must be %s", ErrContentType, want)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOffer))
	if err != nil {
		return nil, fmt.Errorf("media: read body: %w", err)
	}
	return body, nil
}

// trickle adds the candidates of a trickled fragment (RFC 8840).
func (s *session) trickle(body []byte) error {
	f, err := parseFragment(body)
	if err != nil {
		return err
	}
	if f.ufrag != "" && f.ufrag != s.ufrag {
		return fmt.Errorf("%w: start a new session instead", ErrICERestart)
	}
	for _, c := range f.candidates {
		if err := s.pc.AddICECandidate(c); err != nil {
			return fmt.Errorf("%w: candidate %q: %v", ErrBadOffer, c.Candidate, err)
		}
	}
	return nil
}

// wait waits, up to ctx, for an ended session's connection to close.
func (s *session) wait(ctx context.Context) error {
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("media: closing session: %w", ctx.Err())
	}
}
