package relay

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/media/relaymedia"
)

// Media is the relay's media: the one upstream WHEP session feeding the
// local viewers.
type Media struct {
	// Client opens the upstream session.
	Client *mediaclient.Client
	// Feed serves it to the hub's network.
	Feed *relaymedia.Feed
}

// runMedia keeps the one upstream WHEP session, two audio lines (venue and
// floor) written to the local feed, reopened with backoff whenever it ends.
func (r *Relay) runMedia(ctx context.Context) {
	whep := r.cfg.Upstream + "/api/v1/rooms/" + r.room + "/whep"
	backoff := minBackoff
	for ctx.Err() == nil {
		sub, err := r.cfg.Media.Client.Subscribe(ctx, whep, r.cfg.Token, relaymedia.Lines, func(p mediaclient.Packet) {
			r.mediaBytes.Add(uint64(12 + len(p.Payload)))
			r.cfg.Media.Feed.Write(p.Line, p.SequenceNumber, p.Timestamp, p.Payload)
		})
		if err == nil {
			backoff = minBackoff
			select {
			case <-sub.Ended():
				r.log.Warn("relay: upstream media session ended")
			case <-ctx.Done():
			}
			closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			sub.Close(closing)
			cancel()
		} else if ctx.Err() == nil {
			r.log.Warn("relay: upstream media session refused", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
}

// serveOffer answers a local WHEP offer.
func (r *Relay) serveOffer(w http.ResponseWriter, req *http.Request, _ member) {
	mediaError(w, r.cfg.Media.Feed.ServeOffer(w, req))
}

// serveSession answers a DELETE on a local WHEP session.
func (r *Relay) serveSession(w http.ResponseWriter, req *http.Request, _ member) {
	mediaError(w, r.cfg.Media.Feed.ServeSession(w, req, req.PathValue("session")))
}

func mediaError(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
	case errors.Is(err, relaymedia.ErrBadOffer):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, relaymedia.ErrNoSession):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the relay cannot take media sessions now")
	}
}
