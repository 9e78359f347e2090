package server

import (
	"net/http"

	"github.com/parley-hub/parley/rooms"
)

// previewAnswer is the queue as it would stand under a proposed policy.
type previewAnswer struct {
	Queue []rooms.QueueEntry `json:"queue"`
}

// previewQueue answers POST /api/v1/rooms/{room}/queue/preview: the
// chair's settings show the effect of a policy before it is applied, in
// the order the queue package gives, not a second reckoning in the page.
func (s *Server) previewQueue(w http.ResponseWriter, r request) error {
	body, err := readBody(w, r.Request)
	if err != nil {
		return err
	}
	req, err := rooms.DecodePreviewRequest(body)
	if err != nil {
		return err
	}
	q, err := s.rooms.Preview(r.Context(), r.room, r.who, req.Policy)
	if err != nil {
		return err
	}
	if q == nil {
		q = []rooms.QueueEntry{}
	}
	writeJSON(w, http.StatusOK, previewAnswer{Queue: rooms.ViewOf(r.who).Queue(q)})
	return nil
}
