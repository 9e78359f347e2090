package server

import (
	"net/http"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media"
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
}

var _ Media = (*media.Plane)(nil)

// mediaRoutes mounts WHIP (publish) and WHEP (receive) for room members.
func (s *Server) mediaRoutes() {
	if s.media == nil {
		return
	}
	s.mux.HandleFunc("GET /api/v1/rooms/{room}/media/publishers", s.inRoom(s.publishers))
	for path, publish := range map[string]bool{"whip": true, "whep": false} {
		base := "/api/v1/rooms/{room}/" + path
		s.mux.HandleFunc("POST "+base, s.inRoom(s.mediaCall(publish, s.media.ServeOffer)))
		for _, method := range []string{"PATCH ", "DELETE "} {
			s.mux.HandleFunc(method+base+"/{session}", s.inRoom(s.mediaCall(publish, s.media.ServeSession)))
		}
	}
}

func (s *Server) mediaCall(publish bool, serve func(http.ResponseWriter, *http.Request, media.Caller) error) func(http.ResponseWriter, request) error {
	return func(w http.ResponseWriter, r request) error {
		return serve(w, r.Request, media.Caller{Room: r.room, Who: r.who, Publish: publish, Session: r.PathValue("session")})
	}
}

// publishers tells the chair who is connected to speak and whose audio is
// ready.
func (s *Server) publishers(w http.ResponseWriter, r request) error {
	list, err := s.media.Publishers(r.room, r.who)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"publishers": list})
	return nil
}
