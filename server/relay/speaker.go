package relay

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// speaker is the hub's voice upstream: a WHIP session with the hub token,
// open only while the hub holds the floor, fed by the hub's microphone
// published to the relay. Its own lock, speakMu, is a leaf, never held with
// Relay.mu.
type speaker struct {
	// floor carries whether the hub holds the floor, latest first.
	floor chan bool
	// pub is the open upstream session, nil while the hub has no floor.
	pub *mediaclient.Publisher
}

// noteFloor tells the speaker whether the hub holds the floor now, after
// the mirror changed. The caller holds r.mu.
func (r *Relay) noteFloor() {
	if r.cfg.Media == nil || !r.m.ready() {
		return
	}
	var floor rooms.Speaker
	json.Unmarshal(r.m.snap["floor"], &floor)
	holds := floor.Sub != "" && floor.Voice() == r.hubVoice
	if holds == r.holds {
		return
	}
	r.holds = holds
	select {
	case <-r.speak.floor: // superseded
	default:
	}
	r.speak.floor <- holds
}

// runSpeaker opens the upstream WHIP session when the hub gets the floor
// and closes it when the hub loses it, until ctx is done. The main
// server's gate forwards only the floor holder's audio; the relay sends
// nothing upstream otherwise either.
func (r *Relay) runSpeaker(ctx context.Context) {
	whip := r.cfg.Upstream + "/api/v1/rooms/" + r.room + "/whip"
	defer r.setSpeaker(ctx, nil)
	for {
		var holds bool
		select {
		case <-ctx.Done():
			return
		case holds = <-r.speak.floor:
		}
		if !holds {
			r.setSpeaker(ctx, nil)
			continue
		}
		connect, cancel := context.WithTimeout(ctx, 20*time.Second)
		pub, err := r.cfg.Media.Client.Publish(connect, whip, r.cfg.Token)
		cancel()
		if err != nil {
			r.log.Warn("relay: the hub holds the floor but its voice cannot go upstream", "err", err)
			continue
		}
		r.setSpeaker(ctx, pub)
	}
}

// setSpeaker makes pub the upstream session, closing the one before.
func (r *Relay) setSpeaker(ctx context.Context, pub *mediaclient.Publisher) {
	r.speakMu.Lock()
	old := r.speak.pub
	r.speak.pub = pub
	r.speakMu.Unlock()
	if old != nil {
		closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		old.Close(closing)
		cancel()
	}
}

// mic takes one packet of the hub's microphone: upstream while the hub
// holds the floor, dropped otherwise.
func (r *Relay) mic(seq uint16, ts uint32, payload []byte) {
	r.micPackets.Add(1)
	r.speakMu.Lock()
	defer r.speakMu.Unlock()
	if r.speak.pub != nil {
		r.speak.pub.Send(seq, ts, payload)
	}
}

// servePublish takes the hub console's microphone over WHIP: only the
// coordinator's token may publish it.
func (r *Relay) servePublish(w http.ResponseWriter, req *http.Request, who member) {
	if who.Role != rooms.RoleHub {
		writeError(w, http.StatusForbidden, "forbidden", "only the hub coordinator publishes the hub's microphone")
		return
	}
	mediaError(w, r.cfg.Media.Feed.ServePublish(w, req, r.mic))
}
