package rooms

import (
	"context"
	"fmt"

	"github.com/parley-hub/parley/queue"
)

// Preview is the queue as set_policy with p would leave it now: ordered by
// p from the start of its rotation, without the chair's moves, which a
// change of policy ends.
func (s *State) Preview(p queue.Policy) ([]QueueEntry, error) {
	n, err := p.Normalize()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return s.ordered(n, 0, nil), nil
}

// Preview shows the chair of roomID the queue under policy p before they
// apply it. Only those who may set the policy may preview it.
func (s *Service) Preview(ctx context.Context, roomID string, actor Participant, p queue.Policy) ([]QueueEntry, error) {
	if !actor.chairs() {
		return nil, fmt.Errorf("%w: only the chair may preview a queue policy", ErrForbidden)
	}
	var out []QueueEntry
	var err error
	if verr := s.View(ctx, roomID, func(st *State) { out, err = st.Preview(p) }); verr != nil {
		return nil, verr
	}
	return out, err
}

// PreviewRequest is what a preview is asked with: the policy proposed.
type PreviewRequest struct {
	Policy queue.Policy `json:"policy"`
}

// DecodePreviewRequest parses a preview request strictly, like
// DecodeCommand.
func DecodePreviewRequest(data []byte) (PreviewRequest, error) {
	var req PreviewRequest
	err := decodeStrict(data, &req)
	return req, err
}
