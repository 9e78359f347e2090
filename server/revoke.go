package server

import (
	"errors"
	"net/http"

	"github.com/parley-hub/parley/rooms"
)

// unrevoked serves h unless the room has revoked the request's token,
// for handlers that never read the room through the room service, whose
// reads check it themselves (see inRoom): the media plane's. A room that
// does not exist revokes nothing: h says it is not there.
func (s *Server) unrevoked(h func(http.ResponseWriter, request) error) func(http.ResponseWriter, request) error {
	return func(w http.ResponseWriter, r request) error {
		err := s.rooms.View(r.Context(), r.room, func(*rooms.State) {})
		if err != nil && !errors.Is(err, rooms.ErrNotFound) {
			return err
		}
		return h(w, r)
	}
}

// revocations lists the room's revoked tokens, for the chair and admins.
// The room is read first, so that a revoked token is told so before it is
// told it may not read the list.
func (s *Server) revocations(w http.ResponseWriter, r request) error {
	full := rooms.ViewOf(r.who).Full()
	var list []rooms.Revocation
	if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) {
		if full {
			list = st.Revocations()
		}
	}); err != nil {
		return err
	}
	if !full {
		return &rooms.Refusal{Kind: rooms.ErrForbidden, Reason: "chair_only", Params: map[string]any{"command": rooms.CmdRevoke},
			Text: "only the chair or an admin may read the revocation list"}
	}
	if list == nil {
		list = []rooms.Revocation{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}
