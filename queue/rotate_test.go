package queue_test

import (
	"slices"
	"testing"

	"github.com/parley-hub/parley/queue"
)

func TestRotate(t *testing.T) {
	netmundial := []queue.Request{
		req("cs-1", 1, "group=civil-society", "mode=in-room"),
		req("cs-2", 2, "group=civil-society", "mode=in-room"),
		req("ps-1", 3, "group=private-sector", "mode=in-room"),
		req("remote-cs", 4, "group=civil-society", "mode=remote"),
		req("igo", 5, "group=intergovernmental", "mode=in-room"),
		req("tech", 6, "group=technical-community", "mode=in-room"),
		req("hub-1", 7, "group=academia", "mode=hub"),
		req("hub-2", 8, "group=government", "mode=hub"),
		req("media", 9, "group=media", "mode=in-room"),
	}
	for _, tc := range []struct {
		name    string
		pending []queue.Request
		pattern []string
		cursor  int
		want    []string
		slots   []int
	}{
		{
			name:    "NETmundial round, remote only at remote slots, unfit last",
			pending: netmundial,
			want: []string{
				"igo: rotation: round 1, slot 1 of 6, governments and intergovernmental organisations",
				"ps-1: rotation: round 1, slot 2 of 6, private sector",
				"cs-1: rotation: round 1, slot 3 of 6, civil society",
				"tech: rotation: round 1, slot 4 of 6, academia and technical community",
				"remote-cs: rotation: round 1, slot 5 of 6, remote participants and hubs",
				"hub-1: rotation: round 1, slot 6 of 6, remote participants and hubs",
				"cs-2: rotation: round 2, slot 3 of 6, civil society",
				"hub-2: rotation: round 2, slot 5 of 6, remote participants and hubs",
				"media: rotation: no slot in the pattern fits this speaker, so after the rotation",
			},
			slots: []int{0, 1, 2, 3, 4, 5, 2, 4, -1},
		},
		{
			name:    "cursor starts mid-round",
			pending: netmundial[:4],
			cursor:  2,
			want: []string{
				"cs-1: rotation: round 1, slot 3 of 6, civil society",
				"remote-cs: rotation: round 1, slot 5 of 6, remote participants and hubs",
				"ps-1: rotation: round 1, slot 2 of 6, private sector",
				"cs-2: rotation: round 2, slot 3 of 6, civil society",
			},
			slots: []int{2, 4, 1, 2},
		},
		{
			name:    "cursor wraps both ways",
			pending: netmundial[:4],
			cursor:  -4, // slot 3, as 2 and 8 are
			want: []string{
				"cs-1: rotation: round 1, slot 3 of 6, civil society",
				"remote-cs: rotation: round 1, slot 5 of 6, remote participants and hubs",
				"ps-1: rotation: round 1, slot 2 of 6, private sector",
				"cs-2: rotation: round 2, slot 3 of 6, civil society",
			},
			slots: []int{2, 4, 1, 2},
		},
		{
			name:    "without mode slots remote speakers use their sector's",
			pending: netmundial[:4],
			pattern: []string{"civil-society", "private-sector"},
			want: []string{
				"cs-1: rotation: round 1, slot 1 of 2, civil society",
				"ps-1: rotation: round 1, slot 2 of 2, private sector",
				"cs-2: rotation: round 2, slot 1 of 2, civil society",
				"remote-cs: rotation: round 3, slot 1 of 2, civil society",
			},
			slots: []int{0, 1, 0, 0},
		},
		{
			name: "any dimension names a slot",
			pending: []queue.Request{
				req("man", 1, "gender=man"),
				req("man-2", 2, "gender=man"),
				req("woman", 3, "gender=woman", "region=africa"),
			},
			pattern: []string{"woman", "man", "africa"},
			want: []string{
				"woman: rotation: round 1, slot 1 of 3, women",
				"man: rotation: round 1, slot 2 of 3, men",
				"man-2: rotation: round 2, slot 2 of 3, men",
			},
			slots: []int{0, 1, 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := queue.Order(queue.Input{
				Pending: tc.pending,
				Policy:  queue.Policy{Kind: queue.PolicyRotate, Pattern: tc.pattern},
				Cursor:  tc.cursor,
			})
			if got := reasons(out); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if got := slots(out); !slices.Equal(got, tc.slots) {
				t.Errorf("slots %v, want %v", got, tc.slots)
			}
		})
	}
}
