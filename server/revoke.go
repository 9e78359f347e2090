package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// notRevoked refuses a token the room's revocation list names, by its id
// or its holder. A room that does not exist revokes nothing: the handler
// says it is not there.
func (s *Server) notRevoked(ctx context.Context, room string, c auth.Claims) error {
	var revoked bool
	err := s.rooms.View(ctx, room, func(st *rooms.State) { revoked = st.Revoked(c.ID, c.Subject) })
	switch {
	case errors.Is(err, rooms.ErrNotFound):
		return nil
	case err != nil:
		return err
	case revoked:
		return &rooms.Refusal{Kind: auth.ErrRevoked, Reason: "token_revoked", Params: map[string]any{},
			Text: "this link has been revoked: ask the meeting secretariat for a new one"}
	}
	return nil
}

// revocations lists the room's revoked tokens, for the chair and admins.
func (s *Server) revocations(w http.ResponseWriter, r request) error {
	if !rooms.ViewOf(r.who).Full() {
		return &rooms.Refusal{Kind: rooms.ErrForbidden, Reason: "chair_only", Params: map[string]any{"command": rooms.CmdRevoke},
			Text: "only the chair or an admin may read the revocation list"}
	}
	var list []rooms.Revocation
	if err := s.rooms.View(r.Context(), r.room, func(st *rooms.State) { list = st.Revocations() }); err != nil {
		return err
	}
	if list == nil {
		list = []rooms.Revocation{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}
