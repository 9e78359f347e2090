package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

func TestRunAQueueOverHTTP(t *testing.T) {
	api := newAPI(t)
	chair := api.token(t, "plenary", rooms.RoleChair, "chair", nil)
	api.createRoom(t, chair, `{"id":"plenary","title":"Opening plenary","policy":{"kind":"fifo"},"time_limit_s":90}`)

	people := map[string]func(*auth.Claims){
		"amina": func(c *auth.Claims) { c.Group, c.Region, c.Gender = "civil-society", "africa", "woman" },
		"carlos": func(c *auth.Claims) {
			c.Group, c.Region, c.Gender, c.Mode = "government", "latin-america-caribbean", "man", "in-room"
		},
		"mei": func(c *auth.Claims) { c.Group, c.Region, c.Gender = "academia", "asia-pacific", "woman" },
	}
	tokens := map[string]string{}
	for _, sub := range []string{"amina", "carlos", "mei"} {
		tokens[sub] = api.token(t, "plenary", rooms.RoleParticipant, sub, people[sub])
		api.command(t, tokens[sub], "plenary", `{"type":"raise_hand","note":"on the roadmap"}`, http.StatusOK)
	}

	var snap rooms.Snapshot
	api.getJSON(t, tokens["mei"], "/api/v1/rooms/plenary", &snap)
	if len(snap.Queue) != 3 || snap.Queue[0].Sub != "amina" || snap.Queue[0].Group != "civil-society" || snap.Queue[0].Reason == "" {
		t.Fatalf("queue = %+v", snap.Queue)
	}
	if snap.Title != "Opening plenary" || snap.TimeLimitS != 90 || !snap.ListOpen || snap.Floor != nil {
		t.Fatalf("snapshot = %+v", snap)
	}

	res := api.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	if res["seq"].(float64) != 5 {
		t.Errorf("call_next answered %v, want seq 5", res)
	}
	api.getJSON(t, chair, "/api/v1/rooms/plenary", &snap)
	if snap.Floor == nil || snap.Floor.Sub != "amina" || snap.Floor.LimitS != 90 {
		t.Fatalf("floor = %+v", snap.Floor)
	}
	api.command(t, tokens["amina"], "plenary", `{"type":"release"}`, http.StatusOK)
	api.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	api.command(t, chair, "plenary", `{"type":"release"}`, http.StatusOK)

	var ivs []rooms.Intervention
	api.getJSON(t, chair, "/api/v1/rooms/plenary/interventions", &ivs)
	if len(ivs) != 2 || ivs[0].Sub != "amina" || ivs[1].Sub != "carlos" || ivs[1].EndedBy != rooms.ByChair {
		t.Fatalf("interventions = %+v", ivs)
	}

	for _, how := range []struct{ path, accept string }{
		{"/api/v1/rooms/plenary/interventions.csv", ""},
		{"/api/v1/rooms/plenary/interventions", "text/csv"},
	} {
		resp := api.do(t, http.MethodGet, how.path, chair, "", map[string]string{"Accept": how.accept})
		rows, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: status %d, %v", how.path, resp.StatusCode, err)
		}
		if len(rows) != 3 || rows[0][0] != "start" || rows[1][4] != "amina" || rows[2][6] != "government" {
			t.Errorf("%s: rows = %q", how.path, rows)
		}
	}

	var bal rooms.Balance
	api.getJSON(t, chair, "/api/v1/rooms/plenary/balance", &bal)
	if bal.Totals.Requests != 3 || bal.Totals.Turns != 2 || len(bal.Dimensions["group"]) != 3 {
		t.Errorf("balance = %+v", bal)
	}

	var page struct {
		Events []rooms.Event `json:"events"`
		More   bool          `json:"more"`
	}
	api.getJSON(t, chair, "/api/v1/rooms/plenary/events?after=4&limit=2", &page)
	if len(page.Events) != 2 || page.Events[0].Seq != 5 || page.Events[0].Actor.Sub != "chair" || page.Events[0].Type != rooms.EvFloorGranted || !page.More {
		t.Errorf("events page = %+v", page)
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	api := newAPI(t)
	chair := api.token(t, "plenary", rooms.RoleChair, "chair", nil)
	api.createRoom(t, chair, `{"id":"plenary"}`)
	part := api.token(t, "plenary", rooms.RoleParticipant, "amina", nil)

	tests := []struct {
		name, token, body string
		status            int
		code, mentions    string
	}{
		{"malformed JSON", chair, `{"type":`, 400, "invalid", "malformed JSON"},
		{"unknown command", chair, `{"type":"adjourn"}`, 400, "invalid", `unknown command type "adjourn"`},
		{"wrong field type", chair, `{"type":"extend","seconds":"thirty"}`, 400, "invalid", `field "seconds"`},
		{"unknown field", chair, `{"type":"raise_hand","group":"government"}`, 400, "invalid", `unknown field "group"`},
		{"two objects", chair, `{"type":"pause"}{"type":"pause"}`, 400, "invalid", "after the JSON object"},
		{"empty body", chair, ``, 400, "invalid", "empty body"},
		{"oversized body", chair, `{"type":"raise_hand","note":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large", "too large"},
		{"release with nobody speaking", chair, `{"type":"release"}`, 409, "not_now", "nobody holds the floor"},
		{"resume when not paused", chair, `{"type":"resume"}`, 409, "not_now", "not paused"},
		{"participant calls next", part, `{"type":"call_next"}`, 403, "forbidden", "only the chair"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := api.do(t, http.MethodPost, "/api/v1/rooms/plenary/commands", tc.token, tc.body, nil)
			e := decodeError(t, resp)
			if resp.StatusCode != tc.status || e.Code != tc.code || !strings.Contains(e.Message, tc.mentions) {
				t.Errorf("got %d %s %q, want %d %s mentioning %q", resp.StatusCode, e.Code, e.Message, tc.status, tc.code, tc.mentions)
			}
			// A plain message, not the wrap chain that goes to the logs.
			for _, chain := range []string{`room "plenary"`, "not possible now:", "invalid:", "forbidden:"} {
				if strings.Contains(e.Message, chain) {
					t.Errorf("message %q carries the wrap chain (%q)", e.Message, chain)
				}
			}
		})
	}

	var snap rooms.Snapshot
	api.getJSON(t, chair, "/api/v1/rooms/plenary", &snap)
	if snap.Seq != 1 {
		t.Errorf("refused commands changed the room: seq %d", snap.Seq)
	}

	api.command(t, chair, "plenary", `{"type":"close_list"}`, http.StatusOK)
	if e := api.command(t, part, "plenary", `{"type":"raise_hand"}`, http.StatusConflict); !strings.Contains(e["error"].(map[string]any)["message"].(string), "closed") {
		t.Errorf("raise hand on closed list: %v", e)
	}

	admin := api.token(t, "*", rooms.RoleAdmin, "secretariat", nil)
	resp := api.do(t, http.MethodGet, "/api/v1/rooms/nowhere", admin, "", nil)
	if e := decodeError(t, resp); resp.StatusCode != 404 || e.Code != "not_found" {
		t.Errorf("unknown room: %d %+v", resp.StatusCode, e)
	}
	resp = api.do(t, http.MethodGet, "/api/v1/rooms/plenary/events?after=minus-one", chair, "", nil)
	if e := decodeError(t, resp); resp.StatusCode != 400 || !strings.Contains(e.Message, "after") {
		t.Errorf("bad after: %d %+v", resp.StatusCode, e)
	}
}

func TestCreatingRooms(t *testing.T) {
	api := newAPI(t)
	admin := api.token(t, "*", rooms.RoleAdmin, "secretariat", nil)
	otherChair := api.token(t, "ws-1", rooms.RoleChair, "chair-ws1", nil)
	part := api.token(t, "*", rooms.RoleParticipant, "amina", nil)

	tests := []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"admin opens a room", admin, `{"id":"main-hall","title":"Main hall","policy":{"kind":"rotate"}}`, 201, ""},
		{"again", admin, `{"id":"main-hall"}`, 409, "exists"},
		{"chair of another room", otherChair, `{"id":"ws-2"}`, 403, "forbidden"},
		{"participant", part, `{"id":"ws-3"}`, 403, "forbidden"},
		{"bad id", admin, `{"id":"Main Hall!"}`, 400, "invalid"},
		{"bad policy", admin, `{"id":"ws-4","policy":{"kind":"balanced","weights":{"group":-1}}}`, 400, "invalid"},
		{"bad time limit", admin, `{"id":"ws-5","time_limit_s":-3}`, 400, "invalid"},
	}
	for _, tc := range tests {
		resp := api.do(t, http.MethodPost, "/api/v1/rooms", tc.token, tc.body, nil)
		if tc.code == "" {
			var snap rooms.Snapshot
			if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || resp.StatusCode != tc.status {
				t.Errorf("%s: %d %v", tc.name, resp.StatusCode, err)
			}
			resp.Body.Close()
			if snap.Policy.Kind != "rotate" || len(snap.Policy.Pattern) != 6 {
				t.Errorf("%s: policy not normalised: %+v", tc.name, snap.Policy)
			}
			continue
		}
		if e := decodeError(t, resp); resp.StatusCode != tc.status || e.Code != tc.code {
			t.Errorf("%s: got %d %+v, want %d %s", tc.name, resp.StatusCode, e, tc.status, tc.code)
		}
	}
}

func TestTokensAreChecked(t *testing.T) {
	api := newAPI(t)
	chair := api.token(t, "plenary", rooms.RoleChair, "chair", nil)
	api.createRoom(t, chair, `{"id":"plenary"}`)

	claims := func(mutate func(*auth.Claims)) auth.Claims {
		c := auth.Claims{Room: "plenary", Role: rooms.RoleParticipant, RegisteredClaims: jwt.RegisteredClaims{
			Subject: "amina", IssuedAt: jwt.NewNumericDate(time.Now()), ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
		}}
		if mutate != nil {
			mutate(&c)
		}
		return c
	}
	sign := func(method jwt.SigningMethod, key any, c auth.Claims) string {
		tok, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", 401, "invalid_token"},
		{"garbage", "not.a.jwt", 401, "invalid_token"},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), 401, "invalid_token"},
		{"wrong secret", sign(jwt.SigningMethodHS256, []byte("guess"), claims(nil)), 401, "invalid_token"},
		{"expired", sign(jwt.SigningMethodHS256, api.secret, claims(func(c *auth.Claims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		})), 401, "token_expired"},
		{"not yet valid", sign(jwt.SigningMethodHS256, api.secret, claims(func(c *auth.Claims) {
			c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour))
		})), 401, "token_expired"},
		{"no expiry", sign(jwt.SigningMethodHS256, api.secret, claims(func(c *auth.Claims) { c.ExpiresAt = nil })), 401, "invalid_token"},
		{"unknown role", sign(jwt.SigningMethodHS256, api.secret, claims(func(c *auth.Claims) { c.Role = "president" })), 401, "invalid_token"},
		{"wrong room", sign(jwt.SigningMethodHS256, api.secret, claims(func(c *auth.Claims) { c.Room = "ws-1" })), 403, "wrong_room"},
		{"good", sign(jwt.SigningMethodHS256, api.secret, claims(nil)), 200, ""},
	}
	for _, tc := range tests {
		resp := api.do(t, http.MethodGet, "/api/v1/rooms/plenary", tc.token, "", nil)
		if tc.code == "" {
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("%s: status %d", tc.name, resp.StatusCode)
			}
			continue
		}
		if e := decodeError(t, resp); resp.StatusCode != tc.status || e.Code != tc.code {
			t.Errorf("%s: got %d %+v, want %d %s", tc.name, resp.StatusCode, e, tc.status, tc.code)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	api := newAPI(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp := api.do(t, http.MethodGet, path, "", "", nil)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}
