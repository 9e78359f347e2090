package rooms

import (
	"fmt"

	"github.com/parley-hub/parley/queue"
)

// ReplyTo names the intervention a reply answers, as the queue and the
// floor show it ("replying to Jane Doe (government)"): public data only.
type ReplyTo struct {
	Request string `json:"request"`
	Name    string `json:"name"`
	Group   string `json:"group,omitempty"`
	HubName string `json:"hub_name,omitempty"`
}

func replyTo(request string, sp Speaker) *ReplyTo {
	return &ReplyTo{Request: request, Name: sp.Name, Group: sp.Group, HubName: sp.HubName}
}

// repliesTo is the intervention a raised hand answers: the one it names (the
// turn in progress or one in the record), or, for a reply that names none,
// the turn in progress. Nil for other kinds, or when nobody has spoken.
func (d decision) repliesTo(kind queue.RequestKind, request string) (*ReplyTo, error) {
	if kind != queue.KindReply {
		return nil, nil
	}
	if f := d.floor; f != nil && (request == "" || request == f.Request) {
		return replyTo(f.Request, f.Speaker), nil
	}
	if request == "" {
		return nil, nil
	}
	for i := len(d.interventions) - 1; i >= 0; i-- {
		if iv := d.interventions[i]; iv.Request == request {
			return replyTo(iv.Request, iv.Speaker), nil
		}
	}
	return nil, fmt.Errorf("intervention %q is not in the record: %w", request, ErrNotFound)
}
