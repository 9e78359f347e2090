package rooms_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// localAmina is a member the Nairobi hub's relay knows, with a token only
// the relay can check: the coordinator vouches for her.
var localAmina = rooms.HubMember{Sub: "amina", Name: "Amina Diallo", Group: "Civil Society", Region: "africa", Gender: "woman"}

func vouch(typ string, m rooms.HubMember) rooms.Command {
	return rooms.Command{Type: typ, Member: &m}
}

// A coordinator puts a member of its hub on its list by name and
// categories; the entry is hers, under the hub's namespace, and once
// forwarded she is counted with her own categories and mode hub. The
// events' actor is the coordinator, who vouched.
func TestHubVouchesForAMemberOnItsNetwork(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	c := vouch(rooms.CmdHubRaiseHand, localAmina)
	c.Note = "on item 2"
	evs := r.do(nairobi, c)
	var raised rooms.HubHandRaised
	decode(t, evs[0], &raised)
	want := rooms.Speaker{Sub: rooms.MemberSub("nbo", "amina"), Name: "Amina Diallo", Group: "civil-society", Region: "africa", Gender: "woman", Mode: rooms.ModeHub, Hub: "nbo", HubName: "Nairobi hub"}
	if raised.Speaker != want || raised.Hub != "nbo" || evs[0].Actor.Sub != nairobi.Sub {
		t.Fatalf("hub_hand_raised = %+v by %+v, want %+v by the coordinator", raised, evs[0].Actor, want)
	}
	if _, err := r.try(nairobi, c); !errors.Is(err, rooms.ErrState) {
		t.Errorf("vouching for her twice: err = %v, want ErrState", err)
	}
	r.do(nairobi, rooms.Command{Type: rooms.CmdForward, Request: raised.Request})
	snap := r.snapshot()
	if len(snap.Queue) != 1 || snap.Queue[0].Speaker != want {
		t.Fatalf("plenary queue = %+v, want Amina for the Nairobi hub", snap.Queue)
	}
	modes := byCategory(snap.Balance.Dimensions[queue.DimMode])
	groups := byCategory(snap.Balance.Dimensions[queue.DimGroup])
	if modes["hub"].Requests != 1 || groups["civil-society"].Requests != 1 {
		t.Errorf("balance: modes %+v groups %+v, want her request as hub and civil society", modes, groups)
	}
	// She withdraws through her hub: her own request, no one else's.
	r.do(nairobi, vouch(rooms.CmdWithdraw, localAmina))
	if q := r.snapshot().Queue; len(q) != 0 {
		t.Fatalf("queue after she withdrew = %+v, want empty", q)
	}
	r.do(nairobi, vouch(rooms.CmdHubRaiseHand, localAmina))
	r.do(nairobi, vouch(rooms.CmdHubWithdraw, localAmina))
	if hq := r.snapshot().HubQueue; len(hq) != 0 {
		t.Fatalf("hub list after she withdrew = %+v, want empty", hq)
	}
}

// Only a hub's coordinator vouches, only for its own hub, and what it
// vouches for can never reach anyone outside its namespace: not a member
// who joined with the main server's token, not another hub's member.
func TestHubVouchingIsRefusedToWhoMayNot(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	own := r.do(aminaNbo, cmd(rooms.CmdHubRaiseHand))
	var upstream rooms.HubHandRaised
	decode(t, own[0], &upstream)
	evs := r.do(dhaka, vouch(rooms.CmdHubRaiseHand, localAmina))
	var dhakas rooms.HubHandRaised
	decode(t, evs[0], &dhakas)
	if dhakas.Speaker.Sub == rooms.MemberSub("nbo", "amina") || dhakas.Hub != "dac" {
		t.Fatalf("Dhaka's member = %+v, want her in Dhaka's namespace", dhakas.Speaker)
	}
	// A member named as if she were the upstream one is still the hub's.
	impostor := rooms.HubMember{Sub: aminaNbo.Sub, Name: aminaNbo.Name}
	r.do(nairobi, vouch(rooms.CmdHubRaiseHand, impostor))
	withRequest := func(c rooms.Command, id string) rooms.Command {
		c.Request = id
		return c
	}
	for _, tc := range []struct {
		name string
		who  rooms.Participant
		cmd  rooms.Command
		want error
	}{
		{"a participant vouches", carlos, vouch(rooms.CmdHubRaiseHand, localAmina), rooms.ErrForbidden},
		{"a hub member vouches", joseph, vouch(rooms.CmdHubRaiseHand, localAmina), rooms.ErrForbidden},
		{"the chair vouches", chair, vouch(rooms.CmdHubRaiseHand, localAmina), rooms.ErrForbidden},
		{"a hub token without a hub vouches", rooms.Participant{Sub: "h", Name: "H", Role: rooms.RoleHub, Mode: rooms.ModeHub}, vouch(rooms.CmdHubRaiseHand, localAmina), rooms.ErrForbidden},
		{"a vouched member takes the upstream member's entry off", nairobi, withRequest(vouch(rooms.CmdHubWithdraw, impostor), upstream.Request), rooms.ErrForbidden},
		{"a hub takes another hub's member off for her", nairobi, withRequest(vouch(rooms.CmdHubWithdraw, localAmina), dhakas.Request), rooms.ErrForbidden},
		{"a member is vouched for in a chair's command", nairobi, vouch(rooms.CmdCallNext, localAmina), rooms.ErrInvalid},
		{"a member is vouched for in a forward", nairobi, withRequest(vouch(rooms.CmdForward, localAmina), upstream.Request), rooms.ErrInvalid},
		{"a member without a sub", nairobi, vouch(rooms.CmdHubRaiseHand, rooms.HubMember{Name: "X"}), rooms.ErrInvalid},
		{"a member without a name", nairobi, vouch(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: "x"}), rooms.ErrInvalid},
		{"a sub with a NUL", nairobi, vouch(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: "a\x00b", Name: "X"}), rooms.ErrInvalid},
		{"a sub too long", nairobi, vouch(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: strings.Repeat("s", rooms.MaxMemberSubLen+1), Name: "X"}), rooms.ErrInvalid},
		{"a category the room has not", nairobi, vouch(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: "y", Name: "Y", Group: "lobbyists"}), rooms.ErrInvalid},
	} {
		if _, err := r.try(tc.who, tc.cmd); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	hq := r.snapshot().HubQueue
	if len(hq) != 3 || hq[0].Sub != aminaNbo.Sub || hq[2].Sub != rooms.MemberSub("nbo", aminaNbo.Sub) {
		t.Errorf("hub lists = %+v, want upstream Amina, Dhaka's Amina and the hub's namesake, each their own", hq)
	}
}
