package media

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
)

// hears sends from p until v's m-line i has received p's counter at (or
// past) want, and returns what that m-line got.
func (r *rig) hears(v *viewer, i int, p *publisher, want uint64) []received {
	r.t.Helper()
	r.until(fmt.Sprintf("m-line %d hears %s's packet %d", i, p.sub, want), func() bool {
		for _, got := range v.got(i) {
			if got.from == p.sub && got.counter >= want {
				return true
			}
		}
		p.send(1)
		return false
	})
	return v.got(i)
}

// none fails unless no packet of p with a counter in (after, before) was
// received.
func none(t *testing.T, got []received, p *publisher, after, before uint64, what string) {
	t.Helper()
	for _, g := range got {
		if g.from == p.sub && g.counter > after && g.counter < before {
			t.Fatalf("%s: packet %d of %s was forwarded (sent between %d and %d)", what, g.counter, p.sub, after, before)
		}
	}
}

func TestFloorGatesTheMicrophone(t *testing.T) {
	r := newRig(t, Config{})
	alice := participant("alice")
	mic := r.publish("alice", rooms.RoleParticipant, 1000)
	v := r.view("viewer", 2)

	// Without the floor, the server reads alice's packets and forwards none.
	mic.sendRead(r, 20)
	r.giveFloor(alice)
	granted := mic.sent
	got := r.hears(v, 1, mic, granted+10)
	none(t, got, mic, 0, granted+1, "before floor_granted")
	for i := 1; i < len(got); i++ {
		if got[i].counter != got[i-1].counter+1 || got[i].seq != got[i-1].seq+1 {
			t.Fatalf("floor track: packet %d (seq %d) after %d (seq %d)", got[i].counter, got[i].seq, got[i-1].counter, got[i-1].seq)
		}
	}
	if len(v.got(0)) != 0 {
		t.Fatal("alice's microphone reached the venue feed")
	}

	// Released: what alice sends from then on reaches nobody, until she
	// has the floor again (which also proves the earlier packets are in).
	r.command(r.chair, rooms.Command{Type: rooms.CmdRelease})
	released := mic.sent
	mic.sendRead(r, 20)
	r.giveFloor(alice)
	again := mic.sent
	none(t, r.hears(v, 1, mic, again+1), mic, released, again+1, "after floor_released")

	// Paused: muted; resumed: heard again.
	r.command(r.chair, rooms.Command{Type: rooms.CmdPause})
	paused := mic.sent
	mic.sendRead(r, 20)
	r.command(r.chair, rooms.Command{Type: rooms.CmdResume})
	resumed := mic.sent
	none(t, r.hears(v, 1, mic, resumed+1), mic, paused, resumed+1, "while paused")
}

func TestSomeoneElsesFloorDoesNotOpenTheGate(t *testing.T) {
	r := newRig(t, Config{})
	mic := r.publish("alice", rooms.RoleParticipant, 1)
	bob := r.publish("bob", rooms.RoleParticipant, 1)
	v := r.view("viewer", 2)
	r.giveFloor(participant("bob"))
	mic.sendRead(r, 20)
	sent := mic.sent
	// Bob's packets arriving proves alice's, read earlier, were not sent.
	none(t, r.hears(v, 1, bob, 5), mic, 0, sent+1, "while bob holds the floor")

	got, err := r.plane.Publishers(r.room, r.chair)
	want := []Publisher{
		{Sub: "alice", Name: "alice", Kind: "mic", Audio: true, Live: false},
		{Sub: "bob", Name: "bob", Kind: "mic", Audio: true, Live: true},
	}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("publishers: %+v %v, want %+v", got, err, want)
	}
	if _, err := r.plane.Publishers(r.room, participant("alice")); !errors.Is(err, rooms.ErrForbidden) {
		t.Fatalf("a participant listing publishers: %v", err)
	}
}

func TestSwitchingSpeakersKeepsTheFloorTrackContinuous(t *testing.T) {
	r := newRig(t, Config{})
	// Far-apart sequence numbers and timestamps, one about to wrap.
	alice := r.publish("alice", rooms.RoleParticipant, 65530)
	bob := r.publish("bob", rooms.RoleParticipant, 12345)
	v := r.view("viewer", 2)
	program := r.view("player", 1)

	r.giveFloor(participant("alice"))
	r.hears(v, 1, alice, alice.sent+10)
	r.command(r.chair, rooms.Command{Type: rooms.CmdRelease})
	r.giveFloor(participant("bob"))
	got := r.hears(v, 1, bob, bob.sent+10)
	r.hears(program, 0, bob, bob.sent)

	continuous(t, "floor track", got)
	continuous(t, "program feed", program.got(0))
	if got[0].from != "alice" || got[len(got)-1].from != "bob" {
		t.Fatalf("floor track from %s to %s, want alice to bob", got[0].from, got[len(got)-1].from)
	}
}

// continuous fails unless got is one stream: each sequence number the
// previous one's next, timestamps moving forward.
func continuous(t *testing.T, what string, got []received) {
	t.Helper()
	for i := 1; i < len(got); i++ {
		prev, p := got[i-1], got[i]
		if p.seq != prev.seq+1 {
			t.Fatalf("%s: seq %d (%s) after %d (%s)", what, p.seq, p.from, prev.seq, prev.from)
		}
		if int32(p.ts-prev.ts) <= 0 {
			t.Fatalf("%s: timestamp %d (%s) after %d (%s)", what, p.ts, p.from, prev.ts, prev.from)
		}
	}
}

func TestProgramFeedSwitchesToTheFloorAndBack(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", rooms.RoleVenue, 40000)
	alice := r.publish("alice", rooms.RoleParticipant, 100)
	player := r.view("player", 1)

	r.hears(player, 0, venue, venue.sent+5)
	r.giveFloor(participant("alice"))
	r.hears(player, 0, alice, alice.sent+5)
	// While alice speaks, the hall is not in the program.
	venue.sendRead(r, 10)
	during := venue.sent
	r.hears(player, 0, alice, alice.sent+1)
	r.command(r.chair, rooms.Command{Type: rooms.CmdRelease})
	got := r.hears(player, 0, venue, venue.sent+5)
	none(t, got, venue, during-10, during+1, "program while alice held the floor")
	continuous(t, "program feed", got)
}

func TestASecondVenueReplacesTheFirst(t *testing.T) {
	r := newRig(t, Config{})
	first := r.publish("hall", rooms.RoleVenue, 1)
	v := r.view("viewer", 2)
	r.hears(v, 0, first, first.sent+5)
	second := r.publish("booth", rooms.RoleVenue, 30000)
	r.until("the first venue session ends", func() bool {
		select {
		case <-first.session.done:
			return true
		default:
			return false
		}
	})
	got := r.hears(v, 0, second, second.sent+5)
	continuous(t, "venue feed", got)
}

func TestTheReturnFeedIsTheFloorAlone(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", rooms.RoleVenue, 1)
	alice := r.publish("alice", rooms.RoleParticipant, 1)
	desk := r.viewWith(newViewer(t, 1), "whep?feed=return", "desk", rooms.RoleVenue)
	venue.sendRead(r, 10)
	r.giveFloor(participant("alice"))
	none(t, r.hears(desk, 0, alice, alice.sent+5), venue, 0, venue.sent+1, "return feed")

	for _, c := range []struct {
		query, role string
		want        int
	}{
		{"?feed=return", rooms.RoleParticipant, 403},
		{"?feed=karaoke", rooms.RoleChair, 400},
	} {
		resp := r.post("whep"+c.query, "someone", c.role, typeSDP, anOffer(t, webrtc.RTPTransceiverDirectionRecvonly))
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s as %s: %d, want %d", c.query, c.role, resp.StatusCode, c.want)
		}
	}
}

func TestTheVenuesProgramMixServesSingleLinePlayers(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", rooms.RoleVenue, 40000)
	alice := r.publish("alice", rooms.RoleParticipant, 100)
	player := r.view("player", 1)
	v := r.view("viewer", 2)
	r.hears(player, 0, venue, venue.sent+5)

	mix := r.publishWith("whip?feed=program", "mixer", rooms.RoleVenue, 7000, "")
	r.hears(player, 0, mix, mix.sent+5)
	fromVenue, fromAlice := venue.sent, alice.sent
	// Neither the hall nor the floor reaches the player while the mix
	// does; both still reach two-line receivers.
	r.giveFloor(participant("alice"))
	alice.sendRead(r, 10)
	venue.sendRead(r, 10)
	r.hears(player, 0, mix, mix.sent+1)
	r.hears(v, 1, alice, alice.sent)
	r.hears(v, 0, venue, venue.sent)
	got := player.got(0)
	none(t, got, venue, fromVenue, venue.sent+1, "program while the mix publishes")
	none(t, got, alice, fromAlice, alice.sent+1, "program while the mix publishes")
	if n := len(r.sessionAt(venue.location).room.all()); n != 5 {
		t.Fatalf("%d sessions: the mix replaced the venue", n)
	}

	// The mix ends: back to the switched feed (alice holds the floor), continuously.
	resp := r.do("DELETE", mix.location, mix.sub, rooms.RoleVenue, "", "")
	resp.Body.Close()
	continuous(t, "program feed", r.hears(player, 0, alice, alice.sent+5))
}

// A member a hub forwarded is heard through the hub's microphone, which
// its console publishes with the coordinator's token, and only while the
// member holds the floor; the member's own phone stays shut.
func TestHubMicrophoneIsHeardWhileItsMemberHoldsTheFloor(t *testing.T) {
	r := newRig(t, Config{})
	coordinator := rooms.Participant{Sub: "hub-nbo", Name: "Nairobi", Role: rooms.RoleHub, Mode: rooms.ModeHub, Hub: "nbo", HubName: "Nairobi hub"}
	amina := rooms.Participant{Sub: "amina", Name: "Amina Diallo", Role: rooms.RoleParticipant, Mode: rooms.ModeInRoom, Hub: "nbo"}
	hubMic := r.publish("hub-nbo", "hub/nbo", 1000)
	phone := r.publish("amina", rooms.RoleParticipant, 5000)
	v := r.view("viewer", 2)

	hubMic.sendRead(r, 20)
	r.command(amina, rooms.Command{Type: rooms.CmdHubRaiseHand})
	snap, err := r.svc.Snapshot(context.Background(), r.room)
	if err != nil || len(snap.HubQueue) != 1 {
		t.Fatalf("hub queue = %+v, %v", snap.HubQueue, err)
	}
	r.command(coordinator, rooms.Command{Type: rooms.CmdForward, Request: snap.HubQueue[0].ID})
	r.command(r.chair, rooms.Command{Type: rooms.CmdCallNext})
	granted := hubMic.sent
	phone.sendRead(r, 20)
	got := r.hears(v, 1, hubMic, granted+10)
	none(t, got, hubMic, 0, granted+1, "the hub's microphone before its member had the floor")
	none(t, got, phone, 0, phone.sent+1, "the member's own phone")

	r.command(coordinator, rooms.Command{Type: rooms.CmdRelease})
	released := hubMic.sent
	hubMic.sendRead(r, 20)
	r.giveFloor(participant("carlos"))
	after := hubMic.sent
	carlos := r.publish("carlos", rooms.RoleParticipant, 9000)
	none(t, r.hears(v, 1, carlos, 5), hubMic, released, after+1, "the hub's microphone after its turn")
}
