package media

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// TestTheGateFollowsAnotherNodesFloor: the chair runs the room on node B;
// node A, which holds the media, opens and closes the gate all the same.
func TestTheGateFollowsAnotherNodesFloor(t *testing.T) {
	prefix := redistest.Prefix(t)
	node := func() *rooms.Service {
		store := redisstore.New(redistest.NewClient(t), prefix)
		t.Cleanup(func() { store.Close() })
		return rooms.NewService(store, slog.New(slog.DiscardHandler), nil)
	}
	r := newRigOver(t, Config{}, node())
	b := node()
	mic := r.publish("alice", rooms.RoleParticipant, 1)
	v := r.view("viewer", 2)
	onB := func(who rooms.Participant, typ string) {
		t.Helper()
		if _, err := b.Execute(context.Background(), r.room, who, rooms.Command{Type: typ, Kind: "speak"}); err != nil {
			t.Fatalf("%s on node B: %v", typ, err)
		}
	}
	onB(participant("alice"), rooms.CmdRaiseHand)
	onB(r.chair, rooms.CmdCallNext)
	r.hears(v, 1, mic, mic.sent+5)
	onB(r.chair, rooms.CmdRelease)
	r.until("node A closes the gate", func() bool { return !r.plane.roomOf(r.room).gate.Load().admits("alice") })

	// Without sessions, node A no longer follows the room for media.
	if err := r.plane.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.until("node A stops following the room", func() bool { return len(r.svc.Following()) == 0 })
}

// TestAnOfferReachingAnotherNodeIsSentToTheOneHoldingTheRoom: node A
// holds the room's media by its lease; node B answers offers with 307 to
// A, until A's last session ends and B may hold the room itself.
func TestAnOfferReachingAnotherNodeIsSentToTheOneHoldingTheRoom(t *testing.T) {
	prefix := redistest.Prefix(t)
	node := func() (*rooms.Service, *redisstore.Store) {
		store := redisstore.New(redistest.NewClient(t), prefix)
		t.Cleanup(func() { store.Close() })
		return rooms.NewService(store, slog.New(slog.DiscardHandler), nil), store
	}
	svcA, storeA := node()
	svcB, storeB := node()
	a := newRigOver(t, Config{Leases: storeA}, svcA)
	b := newNode(t, Config{Leases: storeB}, svcB)
	venue := a.publish("hall", rooms.RoleVenue, 1)

	probe := newViewer(t, 1)
	t.Cleanup(func() { probe.pc.Close() })
	offer := offerFrom(t, probe.pc)
	req, err := http.NewRequest(http.MethodPost, b.url+"/rooms/plenary/whep?lang=fr", strings.NewReader(offer))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Sub", "viewer")
	req.Header.Set("X-Role", rooms.RoleParticipant)
	req.Header.Set("Content-Type", typeSDP)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := a.url + "/rooms/plenary/whep?lang=fr"; resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != want {
		t.Fatalf("node B: %d Location %q, want 307 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	// A client that follows the redirect, as WHEP clients do, is served by A.
	v := newViewer(t, 1)
	v.peer = b.connect(v.pc, "whep?lang=fr", "viewer", rooms.RoleParticipant)
	for _, x := range v.pc.GetTransceivers() {
		v.mids = append(v.mids, x.Mid())
	}
	a.sessionAt(v.location)
	a.hears(v, 0, venue, venue.sent+5)

	// A's sessions end: it releases the room, which B then holds.
	for _, p := range []*peer{venue.peer, v.peer} {
		resp := a.do(http.MethodDelete, p.location, p.sub, rooms.RoleVenue, "", "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE %s: %d", p.location, resp.StatusCode)
		}
	}
	b.publish("hall", rooms.RoleVenue, 1)
}

// downLeases is a lease store that does not answer.
type downLeases struct{}

func (downLeases) ClaimMedia(context.Context, string, string, time.Duration) (string, error) {
	return "", fmt.Errorf("%w: connection refused", rooms.ErrUnavailable)
}

func (downLeases) ReleaseMedia(context.Context, string, string) error {
	return fmt.Errorf("%w: connection refused", rooms.ErrUnavailable)
}

func TestAnOfferWhileTheLeasesAreDownIsUnavailable(t *testing.T) {
	r := newRig(t, Config{Leases: downLeases{}})
	v := newViewer(t, 1)
	defer v.pc.Close()
	resp := r.post("whep", "viewer", rooms.RoleParticipant, typeSDP, offerFrom(t, v.pc))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("%d, want 503", resp.StatusCode)
	}
}
