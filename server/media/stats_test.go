package media

import (
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

func TestStatsCountSessionsAndForwardedPackets(t *testing.T) {
	r := newRig(t, Config{})
	if st := r.plane.Stats(); st.Publishers != 0 || st.Subscribers != 0 {
		t.Fatalf("before any session: %+v", st)
	}
	venue := r.publish("hall", rooms.RoleVenue, 1)
	v := r.view("viewer", 2)
	r.hears(v, 0, venue, venue.sent)
	st := r.plane.Stats()
	if st.Publishers != 1 || st.Subscribers != 1 {
		t.Fatalf("a venue and a viewer: %+v, want 1 publisher and 1 subscriber", st)
	}
	before := st.Forwarded
	venue.sendRead(r, 10)
	r.until("the packets written to the viewer are counted", func() bool { return r.plane.Stats().Forwarded >= before+10 })
	v.pc.Close()
	r.until("the viewer's session is no longer counted", func() bool {
		st := r.plane.Stats()
		return st.Subscribers == 0 && st.Publishers == 1
	})
}

func TestLostCountsTheRiseOfEachReceiverReport(t *testing.T) {
	track := newOutTrack("audio", "parley", webrtc.MimeTypeOpus)
	track.bound.Store(&binding{ssrc: 7})
	reports := []struct {
		ssrc, totalLost uint32
		want            uint64 // lost counted by this report
	}{
		{7, 3, 3},
		{8, 50, 0}, // another track's
		{7, 3, 0},
		{7, 2, 0}, // a duplicate made the cumulative loss go down
		{7, 5, 2},
	}
	for _, rep := range reports {
		before := traffic.lost.Load()
		track.countLost([]rtcp.ReceptionReport{{SSRC: rep.ssrc, TotalLost: rep.totalLost}})
		// Other tests' subscribers may report loss meanwhile: at least.
		if got := traffic.lost.Load() - before; got < rep.want {
			t.Errorf("report of ssrc %d, %d lost so far: counted %d, want %d", rep.ssrc, rep.totalLost, got, rep.want)
		}
	}
}
