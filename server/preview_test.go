package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

func TestPreviewShowsTheQueueUnderAProposedPolicy(t *testing.T) {
	api := newAPI(t)
	chair := api.token(t, "plenary", rooms.RoleChair, "chair", func(c *auth.Claims) { c.Group = "government" })
	api.createRoom(t, chair, `{"id":"plenary","title":"Plenary","policy":{"kind":"fifo"}}`)
	groups := map[string]string{"carlos": "government", "dan": "government", "amina": "civil-society"}
	for _, sub := range []string{"carlos", "dan", "amina"} {
		tok := api.token(t, "plenary", rooms.RoleParticipant, sub, func(c *auth.Claims) { c.Group, c.Gender = groups[sub], "woman" })
		api.command(t, tok, "plenary", `{"type":"raise_hand"}`, http.StatusOK)
	}
	// Government has spoken: balancing puts civil society first.
	api.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	api.command(t, chair, "plenary", `{"type":"release"}`, http.StatusOK)

	preview := func(token, body string, want int) (out struct {
		Queue []rooms.QueueEntry    `json:"queue"`
		Error struct{ Code string } `json:"error"`
	}) {
		t.Helper()
		resp := api.do(t, http.MethodPost, "/api/v1/rooms/plenary/queue/preview", token, body, nil)
		defer resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("preview %s: status %d, want %d", body, resp.StatusCode, want)
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	subs := func(q []rooms.QueueEntry) []string {
		var out []string
		for _, e := range q {
			out = append(out, e.Sub)
		}
		return out
	}
	got := preview(chair, `{"policy":{"kind":"balanced","measure":"turns"}}`, http.StatusOK)
	if !slices.Equal(subs(got.Queue), []string{"amina", "dan"}) || got.Queue[0].Reason == "" || got.Queue[0].Gender != "woman" {
		t.Errorf("balanced preview = %+v, want amina then dan, with reasons and all the chair sees", got.Queue)
	}
	var snap rooms.Snapshot
	api.getJSON(t, chair, "/api/v1/rooms/plenary", &snap)
	if snap.Policy.Kind != "fifo" || !slices.Equal(subs(snap.Queue), []string{"dan", "amina"}) {
		t.Errorf("the room changed: policy %s, queue %v", snap.Policy.Kind, subs(snap.Queue))
	}
	// What the preview shows is what applying gives.
	api.command(t, chair, "plenary", `{"type":"set_policy","policy":{"kind":"balanced","measure":"turns"}}`, http.StatusOK)
	var applied rooms.Snapshot
	api.getJSON(t, chair, "/api/v1/rooms/plenary", &applied)
	if a, b := mustMarshal(t, applied.Queue), mustMarshal(t, got.Queue); a != b {
		t.Errorf("applied queue\n%s\npreviewed\n%s", a, b)
	}

	if e := preview(chair, `{"policy":{"kind":"lottery"}}`, http.StatusBadRequest); e.Error.Code == "" {
		t.Error("a bad policy has no error code")
	}
	preview(chair, `{"policy":{},"extra":1}`, http.StatusBadRequest)
	amina := api.token(t, "plenary", rooms.RoleParticipant, "amina", nil)
	preview(amina, `{"policy":{"kind":"fifo"}}`, http.StatusForbidden)
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
