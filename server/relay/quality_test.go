package relay_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/parley-hub/parley/server/relay"
)

// TestRelayReportsItsUpstreamLink: once the link and the plenary's audio
// have run for a window, GET /api/v1/relay says the live connection's
// round trip and the audio's loss and jitter, the figures a hub console
// behind the relay shows; on loopback the loss is small.
func TestRelayReportsItsUpstreamLink(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r, client, _ := startMediaRelay(t, m)
	venue(t, m, client)

	var q relay.LinkQuality
	waitFor(t, "the relay to report its upstream link", func() bool {
		resp, err := http.Get(r.url + "/api/v1/relay")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s relay.Status
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		q = s.UpstreamLink
		return q.RTT != nil && q.Loss != nil && q.Jitter != nil
	})
	if *q.RTT <= 0 {
		t.Errorf("round trip %v s, want a positive one", *q.RTT)
	}
	if *q.Loss < 0 || *q.Loss > 0.2 {
		t.Errorf("loss %v over loopback, want a small share", *q.Loss)
	}
	if *q.Jitter < 0 {
		t.Errorf("jitter %v s, want none negative", *q.Jitter)
	}
}
