package server

import (
	"net/http"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/ratelimit"
)

// Media serves WHIP and WHEP once server has authenticated the caller
// (server/media's Plane). Each returns, without answering, why it refused.
type Media interface {
	// ServeOffer answers a POST of an SDP offer.
	ServeOffer(w http.ResponseWriter, r *http.Request, c media.Caller) error
	// ServeSession answers a PATCH or DELETE on a session's Location.
	ServeSession(w http.ResponseWriter, r *http.Request, c media.Caller) error
	// Publishers lists the room's publishers for who, if they may see them.
	Publishers(room string, who rooms.Participant) ([]media.Publisher, error)
	// Links lists the room's hubs' links for who, if they may see them.
	Links(room string, who rooms.Participant) ([]media.Link, error)
}

var _ Media = (*media.Plane)(nil)

// mediaRoutes mounts WHIP (publish) and WHEP (receive) for room members,
// callable from pages on the allowed origins.
func (s *Server) mediaRoutes() {
	if s.media == nil {
		return
	}
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/media/publishers", s.inRoom(s.unrevoked(s.publishers)))
	for path, publish := range map[string]bool{"whip": true, "whep": false} {
		base := "/api/v1/rooms/{room}/" + path
		s.mux.HandleFunc("POST "+base, s.cors.wrap(s.inRoom(s.unrevoked(s.costly(offerCost, s.mediaCall(publish, s.media.ServeOffer))))))
		s.mux.HandleFunc("OPTIONS "+base, s.cors.preflight)
		for _, method := range []string{"PATCH ", "DELETE "} {
			s.mux.HandleFunc(method+base+"/{session}", s.cors.wrap(s.inRoom(s.unrevoked(s.mediaCall(publish, s.media.ServeSession)))))
		}
		s.mux.HandleFunc("OPTIONS "+base+"/{session}", s.cors.preflight)
	}
}

// offerCost is what an offer spends of its sender's budget, in messages:
// a peer connection, its candidates and sockets cost far more than a
// message, and a page opens one or two. With the default budget, four
// offers at once and two a second after.
const offerCost = 10

// costly has h spend cost of the person's budget in all (the request's
// own token included), or refuses it.
func (s *Server) costly(cost float64, h func(http.ResponseWriter, request) error) func(http.ResponseWriter, request) error {
	return func(w http.ResponseWriter, r request) error {
		if !s.people.Spend(r.who.Sub, cost-1, time.Now()) {
			return ratelimit.ErrRateLimited
		}
		return h(w, r)
	}
}

func (s *Server) mediaCall(publish bool, serve func(http.ResponseWriter, *http.Request, media.Caller) error) func(http.ResponseWriter, request) error {
	return func(w http.ResponseWriter, r request) error {
		return serve(w, r.Request, media.Caller{Room: r.room, Who: r.who, Publish: publish, Session: r.PathValue("session")})
	}
}

// publishers tells the chair who is connected to speak, whose audio is
// ready, and how each hub's link is.
func (s *Server) publishers(w http.ResponseWriter, r request) error {
	list, err := s.media.Publishers(r.room, r.who)
	if err != nil {
		return err
	}
	links, err := s.media.Links(r.room, r.who)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"publishers": list, "links": links})
	return nil
}
