package rooms_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
)

func TestPresenceCountsPeopleAndConnections(t *testing.T) {
	p := rooms.NewPresence()
	for range 3 {
		p.Add(amina, 1) // three tabs
	}
	p.Add(carlos, 1)
	if p.Total != 4 || p.People != 2 || p.ByGroup["civil-society"] != 1 || p.ByRole[rooms.RoleParticipant] != 2 {
		t.Fatalf("three tabs of amina and carlos: %+v", p)
	}
	p.Add(amina, -1)
	p.Add(amina, -1)
	if p.Total != 2 || p.People != 2 || p.ByGroup["civil-society"] != 1 {
		t.Fatalf("amina's last tab open: %+v", p)
	}
	p.Add(amina, -1)
	if p.Total != 1 || p.People != 1 || p.ByGroup["civil-society"] != 0 || p.ByRole[rooms.RoleParticipant] != 1 {
		t.Fatalf("carlos alone: %+v", p)
	}

	sum := rooms.NewPresence()
	sum.Merge(p.Clone())
	sum.Merge(p.Clone())
	if sum.People != 2 || !sum.Equal(sum.Clone()) || sum.Equal(p) {
		t.Fatalf("merged over two nodes: %+v", sum)
	}
}

// The chair sees who is connected by name, hubs and chairs first, merged
// over nodes and bounded; everyone else sees the counts only.
func TestPresenceListsWhoIsConnectedToTheChair(t *testing.T) {
	a, b := rooms.NewPresence(), rooms.NewPresence()
	a.Add(amina, 1)
	a.Add(amina, 1)
	a.Add(nairobi, 1)
	b.Add(amina, 1) // her phone, on another node
	b.Add(chair, 1)
	sum := rooms.NewPresence()
	sum.Merge(a.Clone())
	sum.Merge(b.Clone())
	var got []string
	for _, p := range sum.Connected {
		got = append(got, fmt.Sprintf("%s %s %d", p.Name, p.Role, p.Connections))
	}
	if want := []string{"Nairobi coordinator hub 1", "Chair chair 1", "Amina participant 3"}; !slices.Equal(got, want) {
		t.Fatalf("connected = %q, want %q", got, want)
	}
	if p := sum.Connected[0]; p.Hub != "nbo" || p.HubName != "Nairobi hub" || p.Since.IsZero() {
		t.Errorf("the hub's coordinator: %+v", p)
	}
	public := rooms.PublicView.Presence(sum)
	if public.Connected != nil || public.Hubs != nil || public.People != sum.People || public.Total != 5 {
		t.Errorf("public view: %+v", public)
	}
	if full := rooms.ViewOf(chair).Presence(sum); len(full.Connected) != 3 {
		t.Errorf("the chair's view: %+v", full)
	}

	// Past MaxListed, the rest are counted, across nodes too.
	many := rooms.NewPresence()
	for i := range rooms.MaxListed + 7 {
		many.Add(rooms.Participant{Sub: fmt.Sprint("p", i), Name: fmt.Sprintf("P%04d", i), Role: rooms.RoleParticipant}, 1)
	}
	one := many.Clone()
	if len(one.Connected) != rooms.MaxListed || one.More != 7 {
		t.Fatalf("one node: %d listed, %d more", len(one.Connected), one.More)
	}
	sum.Merge(one)
	if len(sum.Connected) != rooms.MaxListed || sum.More != 10 || sum.Connected[0].Role != rooms.RoleHub {
		t.Errorf("merged: %d listed, %d more, first %+v", len(sum.Connected), sum.More, sum.Connected[0])
	}
	if sum.Equal(a) || !sum.Equal(sum.Clone()) {
		t.Error("Equal does not tell lists apart")
	}
}

// A hub is online while its coordinator or relay is connected, and stays
// listed, offline, once it goes.
func TestHubWatchSeesHubsComeAndGo(t *testing.T) {
	var w rooms.HubWatch
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	p := rooms.NewPresence()
	p.Add(aminaNbo, 1) // a member of the Nairobi hub, which is not online
	hubs := w.See(p.Clone(), at(0))
	if len(hubs) != 1 || hubs[0].Online || hubs[0].Hub != "nbo" || !hubs[0].Since.Equal(at(0)) {
		t.Fatalf("a member's hub: %+v", hubs)
	}
	p.Add(nairobi, 1)
	p.Add(dhaka, 1)
	hubs = w.See(p.Clone(), at(1))
	if len(hubs) != 2 || hubs[0].HubName != "Dhaka hub" || !hubs[0].Online || !hubs[1].Online || hubs[1].HubName != "Nairobi hub" {
		t.Fatalf("both online: %+v", hubs)
	}
	p.Add(dhaka, -1)
	hubs = w.See(p.Clone(), at(2))
	if hubs[0].Online || !hubs[0].Since.Equal(at(2)) || !hubs[1].Online {
		t.Fatalf("Dhaka gone at minute 2: %+v", hubs)
	}
	if again := w.See(p.Clone(), at(3)); !slices.EqualFunc(again, hubs, func(a, b rooms.HubStatus) bool { return a == b }) {
		t.Errorf("nothing changed, yet %+v became %+v", hubs, again)
	}
}
