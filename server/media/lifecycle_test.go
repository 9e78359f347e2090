package media

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
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

func TestOneUDPPortCarriesEverySession(t *testing.T) {
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
	r := newRig(t, Config{UDP: udp})
	venue := r.publish("hall", rooms.RoleVenue, 1)
	mic := r.publish("alice", rooms.RoleParticipant, 1)
	v := r.view("viewer", 2)
	r.giveFloor(participant("alice"))
	r.hears(v, 0, venue, venue.sent+5)
	r.hears(v, 1, mic, mic.sent+5)
	for _, p := range []*peer{venue.peer, mic.peer, v.peer} {
		candidates := 0
		for line := range strings.Lines(p.pc.RemoteDescription().SDP) {
			if !strings.HasPrefix(line, "a=candidate:") {
				continue
			}
			candidates++
			if f := strings.Fields(line); f[5] != port {
				t.Fatalf("candidate on port %s, want every one on %s: %s", f[5], port, line)
			}
		}
		if candidates == 0 {
			t.Fatal("an answer without candidates")
		}
	}
	if err := r.plane.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := udp.WriteTo([]byte("x"), udp.LocalAddr()); err == nil {
		t.Fatal("the plane's UDP socket is still open after Close")
	}
}

func TestAPublicIPIsOfferedBesideTheLocalOnes(t *testing.T) {
	r := newRig(t, Config{PublicIPs: []string{"203.0.113.7"}})
	venue := r.publish("hall", rooms.RoleVenue, 1)
	v := r.view("viewer", 1)
	r.hears(v, 0, venue, venue.sent+5)
	if answer := v.pc.RemoteDescription().SDP; !strings.Contains(answer, " 203.0.113.7 ") || !strings.Contains(answer, " 127.0.0.1 ") {
		t.Fatalf("answer without both the public and the local address:\n%s", answer)
	}
}
