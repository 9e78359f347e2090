package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
)

// hubTokens mints the Nairobi hub's coordinator and its member Amina, whose
// token carries her categories and the hub.
func hubTokens(t *testing.T, a *api) (coordinator, member string) {
	coordinator = a.token(t, "plenary", rooms.RoleHub, "hub-nbo", func(c *auth.Claims) {
		c.Name, c.Hub, c.HubName = "Nairobi coordinator", "nbo", "Nairobi hub"
	})
	member = a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) {
		c.Name, c.Hub, c.Group, c.Region, c.Gender, c.Mode = "Amina Diallo", "nbo", "civil-society", "africa", "woman", "in-room"
	})
	return coordinator, member
}

// A member joins the hub's list over HTTP, the coordinator forwards her
// over its live connection, and the chair's live connection sees the
// plenary request as hers, for the Nairobi hub, counted as mode hub.
// Whatever a client adds to its command, the attributes are the tokens'.
func TestHubForwardsAMemberOverHTTPAndLive(t *testing.T) {
	a := newAPI(t)
	chairTok := plenary(t, a)
	coordinator, member := hubTokens(t, a)

	chair := a.dial(t, "plenary", chairTok, "")
	chair.Welcome()
	chair.NextOf("snapshot")
	hub := a.dial(t, "plenary", coordinator, "")
	if you := hub.Welcome().You; you == nil || you.Hub != "nbo" || you.HubName != "Nairobi hub" || you.Role != rooms.RoleHub {
		t.Fatalf("welcome of the coordinator: %+v, want hub nbo named Nairobi hub", you)
	}
	hub.NextOf("snapshot")

	// A client cannot claim categories: the command has no such fields.
	a.command(t, member, "plenary", `{"type":"hub_raise_hand","group":"government"}`, http.StatusBadRequest)
	a.command(t, member, "plenary", `{"type":"hub_raise_hand"}`, http.StatusOK)

	var listed []rooms.HubEntry
	for listed == nil {
		if m := hub.NextOf("event"); m.Changes[rooms.KeyHubQueue] != nil {
			if err := json.Unmarshal(m.Changes[rooms.KeyHubQueue], &listed); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(listed) != 1 || listed[0].Name != "Amina Diallo" || listed[0].Group != "civil-society" || listed[0].Gender != "" {
		t.Fatalf("the coordinator's hub list = %+v, want Amina, civil society, her gender not shown", listed)
	}

	hub.Send(map[string]any{"type": "command", "id": "f1", "command": map[string]any{"type": "forward", "request": listed[0].ID}})
	for m := hub.Next(); m.Type != protocol.TypeAck || m.ID != "f1"; m = hub.Next() {
		if m.Type == protocol.TypeError {
			t.Fatalf("forward refused: %+v", m)
		}
	}

	var queue []rooms.QueueEntry
	for queue == nil {
		m := chair.NextOf("event")
		if m.Event.Type == rooms.EvHandRaised {
			if err := json.Unmarshal(m.Changes[rooms.KeyQueue], &queue); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := rooms.Speaker{Sub: "amina", Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeHub, Hub: "nbo", HubName: "Nairobi hub"}
	if len(queue) != 1 || queue[0].Speaker != want {
		t.Fatalf("the chair's queue = %+v, want %+v", queue, want)
	}

	var snap rooms.Snapshot
	a.getJSON(t, chairTok, "/api/v1/rooms/plenary", &snap)
	if len(snap.HubQueue) != 0 || len(snap.Queue) != 1 || snap.Queue[0].HubName != "Nairobi hub" {
		t.Fatalf("snapshot: hub queue %+v, queue %+v, want Amina moved to the plenary queue", snap.HubQueue, snap.Queue)
	}
	a.command(t, chairTok, "plenary", `{"type":"call_next"}`, http.StatusOK)
	a.getJSON(t, coordinator, "/api/v1/rooms/plenary", &snap)
	if f := snap.Floor; f == nil || f.Hub != "nbo" || f.Mode != rooms.ModeHub || f.Gender != "" {
		t.Fatalf("the coordinator sees the floor as %+v, want the Nairobi hub's speaker without her gender", snap.Floor)
	}
	a.command(t, coordinator, "plenary", `{"type":"release"}`, http.StatusOK)
}

// Forwarding is the coordinator's: a member, another hub and the chair are
// refused with a status that says so.
func TestHubForwardRefusedToOthers(t *testing.T) {
	a := newAPI(t)
	chairTok := plenary(t, a)
	_, member := hubTokens(t, a)
	dhaka := a.token(t, "plenary", rooms.RoleHub, "hub-dac", func(c *auth.Claims) { c.Hub, c.HubName = "dac", "Dhaka hub" })
	out := a.command(t, member, "plenary", `{"type":"hub_raise_hand"}`, http.StatusOK)
	var snap rooms.Snapshot
	a.getJSON(t, chairTok, "/api/v1/rooms/plenary", &snap)
	if len(snap.HubQueue) != 1 {
		t.Fatalf("hub queue = %+v (answer %v)", snap.HubQueue, out)
	}
	body := `{"type":"forward","request":"` + snap.HubQueue[0].ID + `"}`
	for _, tok := range []string{member, dhaka, chairTok} {
		a.command(t, tok, "plenary", body, http.StatusForbidden)
	}
}
