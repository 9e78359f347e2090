package server_test

import (
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/auth"
)

// The chair sees who is connected by name, whichever node they are on, and
// the room's hubs online; a participant's presence message has counts only.
func TestChairSeesWhoIsConnectedAcrossNodes(t *testing.T) {
	c, prefix := redistest.Client(t)
	nodeA := serveStore(t, redisstore.New(c, prefix))
	nodeB := serveStore(t, redisstore.New(redistest.NewClient(t), prefix))
	plenary(t, nodeA)
	onA := nodeA.dial(t, "plenary", nodeA.token(t, "plenary", rooms.RoleChair, "chair", nil), "")
	amina := nodeB.dial(t, "plenary", nodeB.token(t, "plenary", rooms.RoleParticipant, "amina", nil), "")
	nodeB.dial(t, "plenary", nodeB.token(t, "plenary", rooms.RoleHub, "dhaka", func(c *auth.Claims) {
		c.Mode, c.Hub, c.HubName = rooms.ModeHub, "dac", "Dhaka hub"
	}), "")
	for {
		p := *onA.NextOf("presence").Presence
		if p.Total < 3 {
			continue
		}
		var names []string
		for _, who := range p.Connected {
			names = append(names, who.Role+" "+who.Name)
		}
		if len(names) != 3 || names[0] != "hub Dhaka" || names[1] != "chair Chair" || names[2] != "participant Amina" {
			t.Fatalf("the chair reads %q connected", names)
		}
		if len(p.Hubs) != 1 || p.Hubs[0].HubName != "Dhaka hub" || !p.Hubs[0].Online || p.Hubs[0].Since.IsZero() {
			t.Fatalf("hubs = %+v", p.Hubs)
		}
		break
	}
	for {
		p := *amina.NextOf("presence").Presence
		if p.Connected != nil || p.Hubs != nil || p.More != 0 {
			t.Fatalf("a participant reads %+v", p)
		}
		if p.Total == 3 {
			return
		}
	}
}
