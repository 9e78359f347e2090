package media

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// redisNodes are n nodes on one Redis, each a room service and a plane
// with the leases and the registry of nodes, rooms plenary and annex
// open; it waits until every node is live.
func redisNodes(t *testing.T, n int) ([]*rig, *redisstore.Store) {
	t.Helper()
	prefix := redistest.Prefix(t)
	var nodes []*rig
	var store *redisstore.Store
	for i := range n {
		store = redisstore.New(redistest.NewClient(t), prefix)
		t.Cleanup(func() { store.Close() })
		svc := rooms.NewService(store, slog.New(slog.DiscardHandler), nil)
		cfg := Config{Leases: store, Nodes: store}
		if i == 0 {
			r := newRigOver(t, cfg, svc)
			if _, err := svc.Create(context.Background(), r.chair, rooms.RoomSpec{ID: "annex", Title: "Annex"}); err != nil {
				t.Fatal(err)
			}
			nodes = append(nodes, r)
		} else {
			nodes = append(nodes, newNode(t, cfg, svc))
		}
	}
	waitUntil(t, "every node is live", func() bool {
		live, err := store.Live(context.Background())
		return err == nil && len(live) == n
	})
	return nodes, store
}

// in is r serving room.
func (r *rig) in(room string) *rig {
	c := *r
	c.room = room
	return &c
}

// via is r reached through front: offers are posted to front, which sends
// them on, and r serves them.
func (r *rig) via(front *rig) *rig {
	c := *r
	c.url = front.url
	return &c
}

// postOnce posts a fresh offer to r's endpoint without following a
// redirect, and returns the status and Location.
func (r *rig) postOnce(endpoint, sub, role string) (int, string) {
	r.t.Helper()
	v := newViewer(r.t, 1)
	defer v.pc.Close()
	role, lang, _ := strings.Cut(role, "/")
	req, err := http.NewRequest(http.MethodPost, r.url+"/rooms/"+r.room+"/"+endpoint, strings.NewReader(offerFrom(r.t, v.pc)))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("X-Sub", sub)
	req.Header.Set("X-Role", role)
	req.Header.Set("X-Lang", lang)
	req.Header.Set("Content-Type", typeSDP)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func (r *rig) close() {
	r.t.Helper()
	if err := r.plane.Close(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// TestADrainingNodeSendsOffersOn: node A drains. An offer for a room B
// holds is sent to B; one for a room nobody holds to a live node (the same
// one each time), which takes it, A claiming nothing; once no other node
// is live, offers are refused.
func TestADrainingNodeSendsOffersOn(t *testing.T) {
	nodes, store := redisNodes(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	venue := b.publish("hall", rooms.RoleVenue, 1)

	a.close()
	live, err := store.Live(ctx)
	if err != nil || slices.Contains(live, a.url) {
		t.Fatalf("live once A drains: %q %v, want A withdrawn", live, err)
	}
	if status, to := a.postOnce("whep?lang=fr", "viewer", rooms.RoleParticipant); status != http.StatusTemporaryRedirect || to != b.url+"/rooms/plenary/whep?lang=fr" {
		t.Fatalf("WHEP to draining A: %d %q, want 307 to the holder B", status, to)
	}
	// A WHEP client follows the redirect and is served by B.
	v := b.via(a).viewWith(newViewer(t, 1), "whep", "viewer", rooms.RoleParticipant)
	b.hears(v, 0, venue, venue.sent+5)

	annex := a.in("annex")
	status, to := annex.postOnce("whip", "annex-hall", rooms.RoleVenue)
	var taker *rig
	for _, n := range []*rig{b, c} {
		if to == n.url+"/rooms/annex/whip" {
			taker = n
		}
	}
	if status != http.StatusTemporaryRedirect || taker == nil {
		t.Fatalf("WHIP for a room nobody holds to draining A: %d %q, want 307 to B or C", status, to)
	}
	if holder, err := store.MediaHolder(ctx, "annex"); err != nil || holder != "" {
		t.Fatalf("after A's redirect the annex is held by %q (%v): A claimed it", holder, err)
	}
	for range 3 {
		if status, to := annex.postOnce("whep", "viewer", rooms.RoleParticipant); status != http.StatusTemporaryRedirect || to != taker.url+"/rooms/annex/whep" {
			t.Fatalf("an offer again: %d %q, want 307 to %s again", status, to, taker.url)
		}
	}
	taker.in("annex").via(a).publish("annex-hall", rooms.RoleVenue, 1)
	if holder, err := store.MediaHolder(ctx, "annex"); err != nil || holder != taker.url {
		t.Fatalf("the annex is held by %q (%v), want %s", holder, err, taker.url)
	}

	// B and C drain too: nobody is left to take the media.
	b.close()
	c.close()
	for _, r := range []*rig{a, annex} {
		if status, to := r.postOnce("whep", "viewer", rooms.RoleParticipant); status != http.StatusServiceUnavailable {
			t.Fatalf("WHEP for %s with no node live: %d %q, want 503", r.room, status, to)
		}
	}
}

// TestANodeThatStopsRenewingIsNoLongerSentOffers: a node announced once,
// never renewed, takes a draining node's offers only until its
// announcement lapses.
func TestANodeThatStopsRenewingIsNoLongerSentOffers(t *testing.T) {
	nodes, store := redisNodes(t, 1)
	a := nodes[0]
	const ghost = "http://127.0.0.1:9"
	if err := store.Announce(context.Background(), ghost, time.Second); err != nil {
		t.Fatal(err)
	}
	a.close()
	if status, to := a.postOnce("whep", "viewer", rooms.RoleParticipant); status != http.StatusTemporaryRedirect || to != ghost+"/rooms/plenary/whep" {
		t.Fatalf("WHEP to draining A while the other node is live: %d %q", status, to)
	}
	a.until("the silent node lapses", func() bool {
		status, _ := a.postOnce("whep", "viewer", rooms.RoleParticipant)
		return status == http.StatusServiceUnavailable
	})
}

// Draining nodes pick the same node for a room whatever their own and the
// order of the live list, never themselves, and spread rooms over nodes.
func TestDrainingNodesPickAlike(t *testing.T) {
	live := []string{"http://a", "http://b", "http://c"}
	counts := map[string]int{}
	for i := range 60 {
		room := fmt.Sprint("room-", i)
		fromD := pick(room, live, "http://d")
		if got := pick(room, []string{"http://c", "http://a", "http://b"}, "http://e"); got != fromD {
			t.Fatalf("%s: %s from one node, %s from another", room, fromD, got)
		}
		if fromA := pick(room, live, "http://a"); fromA == "http://a" || fromD != "http://a" && fromA != fromD {
			t.Fatalf("%s: A picks %s, D %s", room, fromA, fromD)
		}
		counts[fromD]++
	}
	if len(counts) != 3 {
		t.Errorf("60 rooms went to %v", counts)
	}
	if got := pick("plenary", []string{"http://a"}, "http://a"); got != "" {
		t.Errorf("a node alone picks %q", got)
	}
}

// TestADrainingNodeHandsItsRoomsOver: node A holds the room; as it drains
// it releases the lease, and its viewers' next offers, to A, are sent to B,
// which takes the room.
func TestADrainingNodeHandsItsRoomsOver(t *testing.T) {
	nodes, store := redisNodes(t, 2)
	a, b := nodes[0], nodes[1]
	a.publish("hall", rooms.RoleVenue, 1)
	a.view("viewer", 1)
	a.close()
	if holder, err := store.MediaHolder(context.Background(), "plenary"); err != nil || holder != "" {
		t.Fatalf("after A drained the room is held by %q (%v)", holder, err)
	}
	v := b.via(a).viewWith(newViewer(t, 1), "whep", "viewer", rooms.RoleParticipant)
	venue := b.via(a).publish("hall", rooms.RoleVenue, 100)
	b.hears(v, 0, venue, venue.sent+5)
	if holder, err := store.MediaHolder(context.Background(), "plenary"); err != nil || holder != b.url {
		t.Fatalf("the room is held by %q (%v), want B", holder, err)
	}
}

// heldLeases are leases whose claims wait until proceed is closed, saying
// on entered that one has begun.
type heldLeases struct {
	rooms.Leases
	entered chan struct{}
	proceed chan struct{}
}

func (l heldLeases) ClaimMedia(ctx context.Context, room, node string, ttl time.Duration) (string, error) {
	select {
	case l.entered <- struct{}{}:
	default:
	}
	<-l.proceed
	return l.Leases.ClaimMedia(ctx, room, node, ttl)
}

// TestAClaimUnderWayAtADrainIsReleased: an offer's claim is under way as
// node A starts draining; the lease it takes is released with A's others,
// and the offer is sent to B.
func TestAClaimUnderWayAtADrainIsReleased(t *testing.T) {
	prefix := redistest.Prefix(t)
	store := func() *redisstore.Store {
		s := redisstore.New(redistest.NewClient(t), prefix)
		t.Cleanup(func() { s.Close() })
		return s
	}
	storeA, storeB := store(), store()
	held := heldLeases{Leases: storeA, entered: make(chan struct{}, 1), proceed: make(chan struct{})}
	a := newRigOver(t, Config{Leases: held, Nodes: storeA}, rooms.NewService(storeA, slog.New(slog.DiscardHandler), nil))
	b := newNode(t, Config{Leases: storeB, Nodes: storeB}, rooms.NewService(storeB, slog.New(slog.DiscardHandler), nil))
	waitUntil(t, "both nodes are live", func() bool {
		live, err := storeA.Live(context.Background())
		return err == nil && len(live) == 2
	})
	type answer struct {
		status int
		to     string
	}
	answered := make(chan answer, 1)
	go func() {
		status, to := a.postOnce("whep", "viewer", rooms.RoleParticipant)
		answered <- answer{status, to}
	}()
	<-held.entered
	closed := make(chan error, 1)
	go func() { closed <- a.plane.Close(context.Background()) }()
	a.until("A starts draining", a.plane.isClosed)
	close(held.proceed)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if got := <-answered; got.status != http.StatusTemporaryRedirect || got.to != b.url+"/rooms/plenary/whep" {
		t.Fatalf("the offer whose claim was under way: %d %q, want 307 to B", got.status, got.to)
	}
	if holder, err := storeA.MediaHolder(context.Background(), "plenary"); err != nil || holder != "" {
		t.Fatalf("after A drained the room is held by %q (%v)", holder, err)
	}
}
