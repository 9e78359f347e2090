package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

const demoRoom = "demo"

// demoPeople are the demo's token holders: a chair, an observer for screens,
// and participants across groups, regions, genders and modes.
var demoPeople = []auth.Claims{
	{Name: "Chair", Role: rooms.RoleChair, Group: "government", Region: "latin-america-caribbean", Mode: rooms.ModeInRoom},
	{Name: "Amina Diallo", Role: rooms.RoleParticipant, Group: "civil-society", Region: "africa", Gender: "woman", Country: "SN"},
	{Name: "Carlos Souza", Role: rooms.RoleParticipant, Group: "government", Region: "latin-america-caribbean", Gender: "man", Country: "BR", Mode: rooms.ModeInRoom},
	{Name: "Mei Tanaka", Role: rooms.RoleParticipant, Group: "academia", Region: "asia-pacific", Gender: "woman", Country: "JP"},
	{Name: "Jonas Weber", Role: rooms.RoleParticipant, Group: "private-sector", Region: "western-europe-others", Gender: "man", Country: "DE", Mode: rooms.ModeInRoom},
	{Name: "Dhaka hub", Role: rooms.RoleHub, Group: "technical-community", Region: "asia-pacific", Hub: "dhaka", HubName: "Dhaka hub"},
	{Name: "Nusrat Jahan", Role: rooms.RoleParticipant, Group: "academia", Region: "asia-pacific", Gender: "woman", Country: "BD", Mode: rooms.ModeInRoom, Hub: "dhaka", HubName: "Dhaka hub"},
	{Name: "Hall screen", Role: rooms.RoleObserver},
	{Name: "CART writer", Role: rooms.RoleCaptioner},
}

// demoPage is the page each role opens.
var demoPage = map[string]string{
	rooms.RoleChair:     "/chair",
	rooms.RoleObserver:  "/display",
	rooms.RoleCaptioner: "/caption",
}

// pageOf is the page p opens: a hub's coordinator and its members the
// hub's, everyone else their role's.
func pageOf(p auth.Claims) string {
	if p.Hub != "" {
		return "/hub"
	}
	return demoPage[p.Role]
}

// openDemo opens the demo room (keeping it if a previous run opened it) and
// prints a token for each demo person with a curl line to try.
func openDemo(ctx context.Context, svc *rooms.Service, secret []byte, base string, out io.Writer) error {
	if len(secret) == 0 {
		return errors.New("serve: --demo issues HS256 tokens and needs --secret (or none at all, for a development secret)")
	}
	chair := demoPeople[0]
	chair.Subject, chair.Room = "chair", demoRoom
	_, err := svc.Create(ctx, chair.Participant(), rooms.RoomSpec{ID: demoRoom, Title: "Demo plenary: the future of Internet governance"})
	if err != nil && !errors.Is(err, rooms.ErrExists) {
		return fmt.Errorf("serve: open demo room: %w", err)
	}
	fmt.Fprintf(out, "\nDemo room %q is open. Open a link in a browser (each carries its token, valid 12h):\n\n", demoRoom)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	var chairToken, firstParticipant string
	for i, p := range demoPeople {
		p.Room = demoRoom
		p.Subject = fmt.Sprintf("demo-%d", i)
		if i == 0 {
			p.Subject = "chair"
		}
		tok, err := auth.Issue(secret, p, 12*time.Hour)
		if err != nil {
			return fmt.Errorf("serve: demo token for %s: %w", p.Name, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s/rooms/%s%s#token=%s\n", p.Role, p.Name, base, demoRoom, pageOf(p), tok)
		switch {
		case i == 0:
			chairToken = tok
			fmt.Fprintf(tw, "balance\t(chair)\t%s/rooms/%s/balance#token=%s\n", base, demoRoom, tok)
		case firstParticipant == "" && p.Role == rooms.RoleParticipant:
			firstParticipant = tok
		}
	}
	tw.Flush()
	fmt.Fprintf(out, `
Or with curl:
  P=%s
  C=%s
  curl -s -H "Authorization: Bearer $P" -d '{"type":"raise_hand"}' %[3]s/api/v1/rooms/demo/commands
  curl -s -H "Authorization: Bearer $C" -d '{"type":"call_next"}' %[3]s/api/v1/rooms/demo/commands
  curl -s -H "Authorization: Bearer $C" %[3]s/api/v1/rooms/demo
  curl -s -H "Authorization: Bearer $C" %[3]s/api/v1/rooms/demo/interventions.csv

`, firstParticipant, chairToken, base)
	return nil
}
