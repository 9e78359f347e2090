package rooms_test

import (
	"testing"

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
