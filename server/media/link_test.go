package media

import (
	"errors"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// A hub's link is what its session's receiver reports say of the plenary
// audio: loss, jitter and, once a report echoes a sender report, the round
// trip; shown to the chair only, and not kept for anyone but hubs.
func TestHubLinkIsMeasuredFromItsReceiverReports(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("venue", rooms.RoleVenue, 1)
	hub := r.viewWith(newViewer(t, 1), "whep", "relay-nbo", "hub/nbo")
	// A browser reads the server's sender reports, which its receiver
	// reports then echo; so does this client.
	for _, tr := range hub.pc.GetTransceivers() {
		go func() {
			for {
				if _, _, err := tr.Receiver().ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
	r.view("amina", 1)
	var links []Link
	r.until("the hub's receiver reports with a round trip", func() bool {
		venue.send(5)
		var err error
		if links, err = r.plane.Links(r.room, r.chair); err != nil {
			t.Fatal(err)
		}
		return len(links) == 1 && links[0].RTT != nil
	})
	l := links[0]
	if l.Sub != "relay-nbo" || l.Hub != "nbo" || l.Loss == nil || *l.Loss < 0 || *l.Loss > 1 || l.Jitter == nil || *l.Jitter < 0 {
		t.Fatalf("link = %+v", l)
	}
	// On loopback the round trip is short; a wrong clock or unit would make
	// it hours, or wrap around to a day.
	t.Logf("rtt %.4f s, loss %v, jitter %.5f s", *l.RTT, *l.Loss, *l.Jitter)
	if *l.RTT < 0 || *l.RTT > 5 {
		t.Fatalf("rtt %v s", *l.RTT)
	}
	if _, err := r.plane.Links(r.room, participant("amina")); !errors.Is(err, rooms.ErrForbidden) {
		t.Fatalf("a participant listing links: %v", err)
	}
}
