package media

import (
	"context"
	"net/http"
	"runtime"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// ended reports whether every session has closed its connection.
func ended(sessions ...*session) bool {
	for _, s := range sessions {
		select {
		case <-s.done:
		default:
			return false
		}
	}
	return true
}

// hungUp reports whether the client saw its connection end.
func hungUp(p *peer) bool {
	st := p.pc.ConnectionState()
	return st == webrtc.PeerConnectionStateClosed || st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateDisconnected
}

func TestClosingTheRoomEndsItsSessions(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", rooms.RoleVenue, 1)
	mic := r.publish("alice", rooms.RoleParticipant, 1)
	v := r.view("viewer", 2)
	r.hears(v, 0, venue, venue.sent)
	viewerSession := r.sessionAt(v.location)
	r.command(r.chair, rooms.Command{Type: rooms.CmdCloseRoom})
	r.until("every session of the room ends", func() bool {
		return ended(venue.session, mic.session, viewerSession)
	})
	r.until("the clients see it", func() bool { return hungUp(venue.peer) && hungUp(v.peer) })
	resp := r.post("whep", "late", rooms.RoleParticipant, typeSDP, anOffer(t, webrtc.RTPTransceiverDirectionRecvonly))
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("offer to a closed room: %d, want 409", resp.StatusCode)
	}
}

func TestCloseEndsEverySessionAndLeavesNothing(t *testing.T) {
	r := newRig(t, Config{})
	recv := anOffer(t, webrtc.RTPTransceiverDirectionRecvonly)
	before := settledGoroutines(r)
	venue := r.publish("hall", rooms.RoleVenue, 1)
	v := r.view("viewer", 2)
	r.hears(v, 0, venue, venue.sent)
	viewerSession := r.sessionAt(v.location)
	if err := r.plane.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !ended(venue.session, viewerSession) {
		t.Fatal("Close returned before every session ended")
	}
	resp := r.post("whep", "late", rooms.RoleParticipant, typeSDP, recv)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("offer after Close: %d, want 503", resp.StatusCode)
	}
	venue.pc.Close()
	v.pc.Close()
	r.until("goroutines are back to where they were", func() bool { return runtime.NumGoroutine() <= before })
}
