package rooms_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

var (
	nairobi = rooms.Participant{Sub: "hub-nbo", Name: "Nairobi coordinator", Role: rooms.RoleHub, Mode: rooms.ModeHub, Hub: "nbo", HubName: "Nairobi hub"}
	dhaka   = rooms.Participant{Sub: "hub-dac", Name: "Dhaka coordinator", Role: rooms.RoleHub, Mode: rooms.ModeHub, Hub: "dac", HubName: "Dhaka hub"}
	// aminaNbo and joseph are members of the Nairobi hub: their tokens
	// carry hub nbo and their own categories.
	aminaNbo = rooms.Participant{Sub: "amina-nbo", Name: "Amina Diallo", Role: rooms.RoleParticipant, Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeInRoom, Hub: "nbo"}
	joseph   = rooms.Participant{Sub: "joseph", Name: "Joseph Otieno", Role: rooms.RoleParticipant, Group: "academia", Region: "africa", Gender: "man", Mode: rooms.ModeInRoom, Hub: "nbo"}
)

// A member joins their hub's list with their token's attributes; the
// coordinator forwards the entry, and the plenary request is the member's,
// with mode hub and the hub's name, counted in the balance as such.
func TestHubForwardsAMemberWithTheirOwnCategories(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	evs := r.do(aminaNbo, rooms.Command{Type: rooms.CmdHubRaiseHand, Note: "on item 2"})
	var raised rooms.HubHandRaised
	decode(t, evs[0], &raised)
	if raised.Hub != "nbo" || raised.Speaker.Group != "civil-society" || raised.Speaker.Gender != "woman" || raised.Speaker.Sub != "amina-nbo" {
		t.Fatalf("hub_hand_raised = %+v, want Amina's token attributes in hub nbo", raised)
	}
	r.do(joseph, cmd(rooms.CmdHubRaiseHand))
	if hq := r.snapshot().HubQueue; len(hq) != 2 || hq[0].ID != raised.Request || hq[1].Sub != "joseph" {
		t.Fatalf("hub queue = %+v, want Amina then Joseph", hq)
	}
	if q := r.snapshot().Queue; len(q) != 0 {
		t.Fatalf("plenary queue = %+v, want empty before forwarding", q)
	}

	evs = r.do(nairobi, rooms.Command{Type: rooms.CmdForward, Request: raised.Request})
	var fwd rooms.HandRaised
	decode(t, evs[0], &fwd)
	if evs[0].Type != rooms.EvHandRaised || fwd.Forwarded != raised.Request || evs[0].Actor.Sub != "hub-nbo" {
		t.Fatalf("forward = %s %+v by %+v, want hand_raised from %s by the coordinator", evs[0].Type, fwd, evs[0].Actor, raised.Request)
	}
	want := rooms.Speaker{Sub: "amina-nbo", Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeHub, Hub: "nbo", HubName: "Nairobi hub"}
	if fwd.Speaker != want || fwd.Note != "on item 2" {
		t.Fatalf("forwarded speaker = %+v note %q, want %+v", fwd.Speaker, fwd.Note, want)
	}
	snap := r.snapshot()
	if len(snap.HubQueue) != 1 || snap.HubQueue[0].Sub != "joseph" {
		t.Fatalf("hub queue after forwarding = %+v, want Joseph alone", snap.HubQueue)
	}
	// A second member of the same hub waits as their own request.
	r.do(nairobi, rooms.Command{Type: rooms.CmdForward, Request: snap.HubQueue[0].ID})
	snap = r.snapshot()
	if len(snap.Queue) != 2 || snap.Queue[0].Speaker != want || snap.Queue[1].Sub != "joseph" || snap.Queue[1].Mode != rooms.ModeHub {
		t.Fatalf("plenary queue = %+v, want Amina then Joseph, both mode hub", snap.Queue)
	}
	modes := byCategory(snap.Balance.Dimensions[queue.DimMode])
	groups := byCategory(snap.Balance.Dimensions[queue.DimGroup])
	if modes["hub"].Requests != 2 || groups["civil-society"].Requests != 1 || groups["academia"].Requests != 1 {
		t.Errorf("balance: modes %+v groups %+v, want 2 hub requests, one civil society, one academia", modes, groups)
	}

	r.do(chair, cmd(rooms.CmdCallNext))
	if f := r.snapshot().Floor; f == nil || f.Speaker != want {
		t.Fatalf("floor = %+v, want Amina for the Nairobi hub", f)
	}
	// The coordinator ends the hub's turn as its speaker.
	evs = r.do(nairobi, cmd(rooms.CmdRelease))
	var rel rooms.FloorReleased
	decode(t, evs[0], &rel)
	if rel.By != rooms.BySpeaker {
		t.Errorf("release by the coordinator: by %q, want speaker", rel.By)
	}
}

func TestHubCommandsAreRefusedToWhoMayNot(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	evs := r.do(aminaNbo, cmd(rooms.CmdHubRaiseHand))
	var raised rooms.HubHandRaised
	decode(t, evs[0], &raised)
	for _, tc := range []struct {
		name string
		who  rooms.Participant
		cmd  rooms.Command
		want error
	}{
		{"a participant without a hub joins a hub list", carlos, cmd(rooms.CmdHubRaiseHand), rooms.ErrForbidden},
		{"a coordinator joins its own list", nairobi, cmd(rooms.CmdHubRaiseHand), rooms.ErrForbidden},
		{"twice on the list", aminaNbo, cmd(rooms.CmdHubRaiseHand), rooms.ErrState},
		{"another hub forwards", dhaka, rooms.Command{Type: rooms.CmdForward, Request: raised.Request}, rooms.ErrForbidden},
		{"the member forwards themselves", aminaNbo, rooms.Command{Type: rooms.CmdForward, Request: raised.Request}, rooms.ErrForbidden},
		{"the chair forwards", chair, rooms.Command{Type: rooms.CmdForward, Request: raised.Request}, rooms.ErrForbidden},
		{"an unknown request", nairobi, rooms.Command{Type: rooms.CmdForward, Request: "h99"}, rooms.ErrNotFound},
		{"no request", nairobi, cmd(rooms.CmdForward), rooms.ErrInvalid},
		{"someone else withdraws", joseph, rooms.Command{Type: rooms.CmdHubWithdraw, Request: raised.Request}, rooms.ErrForbidden},
		{"another hub withdraws", dhaka, rooms.Command{Type: rooms.CmdHubWithdraw, Request: raised.Request}, rooms.ErrForbidden},
	} {
		if _, err := r.try(tc.who, tc.cmd); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// Forwarded once, the member cannot be forwarded again for the same kind.
	r.do(aminaNbo, cmd(rooms.CmdHubWithdraw))
	r.do(aminaNbo, cmd(rooms.CmdHubRaiseHand))
	r.do(nairobi, rooms.Command{Type: rooms.CmdForward, Request: r.snapshot().HubQueue[0].ID})
	r.do(aminaNbo, cmd(rooms.CmdHubRaiseHand))
	if _, err := r.try(nairobi, rooms.Command{Type: rooms.CmdForward, Request: r.snapshot().HubQueue[0].ID}); !errors.Is(err, rooms.ErrState) {
		t.Errorf("forwarding a member already in the plenary queue: err = %v, want ErrState", err)
	}
	// The coordinator may take the hub's plenary request back.
	r.do(nairobi, rooms.Command{Type: rooms.CmdWithdraw, Request: r.snapshot().Queue[0].ID})
	if q := r.snapshot().Queue; len(q) != 0 {
		t.Errorf("queue after the coordinator withdrew = %+v, want empty", q)
	}
	r.do(chair, cmd(rooms.CmdCloseList))
	if _, err := r.try(nairobi, rooms.Command{Type: rooms.CmdForward, Request: r.snapshot().HubQueue[0].ID}); !errors.Is(err, rooms.ErrState) {
		t.Errorf("forwarding to a closed list: err = %v, want ErrState", err)
	}
}

// Members' gender on a hub list goes only to the chair and to themselves,
// as everywhere else; the log keeps it for the balance.
func TestHubListKeepsGenderToWhoMaySeeIt(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	r.do(aminaNbo, rooms.Command{Type: rooms.CmdHubRaiseHand, Note: "for the chair"})
	snap := r.snapshot()
	for _, tc := range []struct {
		who    rooms.Participant
		gender string
		note   string
	}{
		{chair, "woman", "for the chair"},
		{aminaNbo, "woman", "for the chair"},
		{nairobi, "", ""},
		{joseph, "", ""},
	} {
		v := rooms.ViewOf(tc.who)
		got := v.Snapshot(snap).HubQueue[0]
		if got.Gender != tc.gender || got.Note != tc.note || got.Group != "civil-society" {
			t.Errorf("%s sees %+v, want gender %q note %q and the group", tc.who.Sub, got, tc.gender, tc.note)
		}
		ev := v.Event(r.log[len(r.log)-1])
		var d rooms.HubHandRaised
		decode(t, ev, &d)
		if d.Speaker.Gender != tc.gender || d.Note != tc.note {
			t.Errorf("%s sees the event as %+v, want gender %q note %q", tc.who.Sub, d, tc.gender, tc.note)
		}
		if ch := v.Changes(r.state.Changes(rooms.EvHubHandRaised, r.now))[rooms.KeyHubQueue].([]rooms.HubEntry); ch[0].Gender != tc.gender {
			t.Errorf("%s sees the live change as %+v, want gender %q", tc.who.Sub, ch, tc.gender)
		}
	}
}

// Whatever commands members, coordinators and others send, in any order,
// a hub list entry and a plenary request carry the attributes of the
// token that asked: nobody's categories come from a command, a hub's list
// holds only its own members, and only a hub forwards into mode hub.
func FuzzHubCommandsKeepTokenAttributes(f *testing.F) {
	f.Add([]byte(`{"type":"hub_raise_hand"}`), []byte(`{"type":"forward","request":"h2"}`), uint8(0x09))
	f.Add([]byte(`{"type":"hub_raise_hand","kind":"reply","note":"x"}`), []byte(`{"type":"hub_withdraw"}`), uint8(0x43))
	f.Add([]byte(`{"type":"raise_hand"}`), []byte(`{"type":"call_next"}`), uint8(0x05))
	f.Add([]byte(`{"type":"hub_raise_hand","member":{"sub":"amina-nbo","name":"A"}}`), []byte(`{"type":"forward","request":"h2"}`), uint8(0x0a))
	people := []rooms.Participant{aminaNbo, joseph, nairobi, dhaka, chair, carlos}
	token := map[string]rooms.Participant{}
	for _, p := range people {
		token[p.Sub] = p
	}
	f.Fuzz(func(t *testing.T, first, second []byte, who uint8) {
		r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
		for i, body := range [][]byte{first, second, first, second} {
			c, err := rooms.DecodeCommand(body)
			if err != nil {
				continue
			}
			actor := people[int(who>>(2*i)&7)%len(people)]
			// Forward whatever is at the head of the hub's list.
			if c.Type == rooms.CmdForward && len(r.snapshot().HubQueue) > 0 && c.Request == "h2" {
				c.Request = r.snapshot().HubQueue[0].ID
			}
			_, _ = r.try(actor, c)
		}
		snap := r.snapshot()
		// A member vouched for by its hub's coordinator (hub_member_test.go)
		// is of that hub, mode hub, in its namespace.
		vouched := func(sp rooms.Speaker) bool {
			if !strings.HasPrefix(sp.Sub, rooms.MemberSub(sp.Hub, "")) {
				return false
			}
			if sp.Mode != rooms.ModeHub || (sp.Hub != nairobi.Hub && sp.Hub != dhaka.Hub) {
				t.Fatalf("vouched member %+v, want mode hub in the vouching hub", sp)
			}
			return true
		}
		for _, h := range snap.HubQueue {
			if vouched(h.Speaker) {
				continue
			}
			want := token[h.Sub].Speaker()
			if h.Speaker != want || h.Hub == "" {
				t.Fatalf("hub list entry %+v, want the token's %+v", h.Speaker, want)
			}
		}
		for _, q := range snap.Queue {
			if vouched(q.Speaker) {
				continue
			}
			own := token[q.Sub].Speaker()
			if q.Mode == rooms.ModeHub && own.Mode != rooms.ModeHub {
				own.Mode, own.HubName = rooms.ModeHub, "Nairobi hub"
				if q.Hub != "nbo" {
					t.Fatalf("plenary request %+v forwarded from another hub than the member's", q.Speaker)
				}
			}
			if q.Speaker != own {
				t.Fatalf("plenary request %+v, want the token's %+v", q.Speaker, own)
			}
		}
	})
}
