package media

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

// interpreted is the room's snapshot's list of interpreted languages.
func (r *rig) interpreted() []string {
	r.t.Helper()
	snap, err := r.svc.Snapshot(context.Background(), r.room)
	if err != nil {
		r.t.Fatal(err)
	}
	return snap.Interpretation
}

func TestALanguageCarriesItsInterpretationOrElseTheVenue(t *testing.T) {
	r := newRig(t, Config{})
	venue := r.publish("hall", rooms.RoleVenue, 30000)
	fr := r.viewWith(newViewer(t, 2), "whep?lang=fr", "listener", rooms.RoleParticipant)
	plain := r.view("plain", 2)

	// Nobody interprets into French yet: the venue feed.
	r.hears(fr, 0, venue, venue.sent+5)

	booth := r.publish("booth-fr", rooms.RoleInterpreter+"/fr", 5000)
	r.hears(fr, 0, booth, booth.sent+10)
	r.until("the snapshot lists fr", func() bool { return slices.Equal(r.interpreted(), []string{"fr"}) })
	// Venue packets sent meanwhile reach the plain receiver, not French.
	venue.sendRead(r, 10)
	sentVenue := venue.sent
	r.hears(fr, 0, booth, booth.sent+1)
	none(t, fr.got(0), venue, sentVenue-10, sentVenue+1, "while the booth publishes")
	r.hears(plain, 0, venue, sentVenue)
	for _, g := range plain.got(0) {
		if g.from == booth.sub {
			t.Fatal("the interpretation reached a receiver that did not ask for it")
		}
	}
	got, err := r.plane.Publishers(r.room, r.chair)
	if err != nil || !slices.ContainsFunc(got, func(p Publisher) bool { return p.Kind == "interpreter" && p.Lang == "fr" && p.Live }) {
		t.Fatalf("publishers: %+v %v", got, err)
	}

	// The booth stops: French falls back to the venue, continuously.
	resp := r.do(http.MethodDelete, booth.location, booth.sub, rooms.RoleInterpreter+"/fr", "", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	continuous(t, "French", r.hears(fr, 0, venue, venue.sent+5))
	r.until("the snapshot lists no language", func() bool { return len(r.interpreted()) == 0 })
}

func TestWhoMayInterpret(t *testing.T) {
	r := newRig(t, Config{})
	for _, tc := range []struct {
		name, endpoint, role string
		want                 int
	}{
		{"an interpreter token without lang", "whip", rooms.RoleInterpreter, http.StatusForbidden},
		{"a language asked of WHIP", "whip?lang=fr", rooms.RoleInterpreter + "/fr", http.StatusBadRequest},
		{"a language that is no tag", "whep?lang=Fran%C3%A7ais", rooms.RoleParticipant, http.StatusBadRequest},
		{"a language with the return feed", "whep?lang=fr&feed=return", rooms.RoleChair, http.StatusBadRequest},
	} {
		resp := r.post(tc.endpoint, "someone", tc.role, typeSDP, "v=0\r\n")
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

// A language left interpreted in the log by a node that stopped without
// saying so is cleared once the room's media starts again.
func TestALeftOverInterpretationIsCleared(t *testing.T) {
	r := newRig(t, Config{})
	booth := rooms.Participant{Sub: "booth-fr", Name: "Booth", Role: rooms.RoleInterpreter, Lang: "fr"}
	if err := r.svc.SetInterpreted(context.Background(), r.room, booth, "fr", true); err != nil {
		t.Fatal(err)
	}
	r.view("listener", 1)
	if got := r.interpreted(); len(got) != 0 {
		t.Fatalf("interpretation = %v after the media started without a booth", got)
	}
}

// A second booth for a language replaces the first, the language's stream
// continuing, and the language stays listed.
func TestASecondBoothReplacesTheFirst(t *testing.T) {
	r := newRig(t, Config{})
	r.publish("hall", rooms.RoleVenue, 1)
	fr := r.viewWith(newViewer(t, 1), "whep?lang=fr", "listener", rooms.RoleParticipant)
	first := r.publish("booth-a", rooms.RoleInterpreter+"/fr", 100)
	r.hears(fr, 0, first, first.sent+5)
	second := r.publish("booth-b", rooms.RoleInterpreter+"/fr", 9000)
	r.until("the first booth's session ends", func() bool {
		select {
		case <-first.session.done:
			return true
		default:
			return false
		}
	})
	continuous(t, "French", r.hears(fr, 0, second, second.sent+5))
	if got := r.interpreted(); !slices.Equal(got, []string{"fr"}) {
		t.Fatalf("interpretation = %v, want [fr]", got)
	}
}
