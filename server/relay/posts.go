package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/parley-hub/parley/server/protocol"
)

// postWait bounds one command sent upstream over HTTP.
const postWait = 15 * time.Second

// runPosts sends upstream, in order and while the link is up, the commands
// of members holding the main server's tokens, each with its holder's own
// token over HTTP (POST .../commands): the main server sees them as
// theirs, and still one live connection from the relay. It answers each
// sender as the live protocol would.
func (r *Relay) runPosts(ctx context.Context) {
	for {
		r.mu.Lock()
		for !r.up || len(r.posts) == 0 {
			r.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-r.postWake:
			}
			r.mu.Lock()
		}
		o := r.posts[0]
		r.posts = r.posts[1:]
		r.mu.Unlock()
		answer := r.post(ctx, o)
		r.mu.Lock()
		o.from.send(mustJSON(answer))
		r.mu.Unlock()
	}
}

// post sends one command upstream and returns its answer for the sender.
func (r *Relay) post(ctx context.Context, o outgoing) any {
	ctx, cancel := context.WithTimeout(ctx, postWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.Upstream+"/api/v1/rooms/"+r.room+"/commands", bytes.NewReader(o.msg))
	if err != nil {
		return refusal(o.localID, "invalid", err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return lostAnswer(o.localID)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		code, message := upstreamError(resp)
		return refusal(o.localID, code, message)
	}
	var res struct {
		Seq uint64 `json:"seq"`
	}
	if json.NewDecoder(resp.Body).Decode(&res) != nil {
		return lostAnswer(o.localID)
	}
	return protocol.Ack{Type: protocol.TypeAck, ID: o.localID, Seq: res.Seq}
}
