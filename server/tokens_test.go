package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

const participantsCSV = "name,sub,group,region,gender,country,mode,hub,role\n" +
	"Amina Diallo,amina,civil-society,africa,woman,SN,remote,,\n" +
	"Carlos Souza,carlos,Government,latin-america-caribbean,man,BR,in-room,,participant\n" +
	"Nairobi hub,nairobi,academia,africa,,KE,hub,nairobi,hub\n"

type linksAnswer struct {
	Room  string `json:"room"`
	Links []struct {
		Line  int    `json:"line"`
		Sub   string `json:"sub"`
		Name  string `json:"name"`
		Role  string `json:"role"`
		JTI   string `json:"jti"`
		Link  string `json:"link"`
		QRSVG string `json:"qr_svg"`
	} `json:"links"`
}

func TestTheSecretariatIssuesLinksInBulk(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	admin := a.token(t, auth.AnyRoom, rooms.RoleAdmin, "secretariat", nil)
	resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/tokens?qr=1&base=https://parley.example/", admin, participantsCSV, map[string]string{"Content-Type": "text/csv"})
	var out linksAnswer
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if len(out.Links) != 3 || out.Links[0].Line != 2 || out.Links[2].Role != rooms.RoleHub || out.Links[0].JTI == "" || out.Links[0].JTI == out.Links[1].JTI {
		t.Fatalf("links %+v", out.Links)
	}
	for _, l := range out.Links {
		tok, ok := strings.CutPrefix(l.Link, "https://parley.example/#token=")
		if !ok || !strings.HasPrefix(l.QRSVG, "<svg") {
			t.Fatalf("link %q, qr %.40q", l.Link, l.QRSVG)
		}
		// Each link opens the room as its holder, with the list's categories.
		var snap rooms.Snapshot
		a.getJSON(t, tok, "/api/v1/rooms/plenary", &snap)
		if l.Sub == "carlos" {
			a.command(t, tok, "plenary", `{"type":"raise_hand"}`, http.StatusOK)
			a.getJSON(t, admin, "/api/v1/rooms/plenary", &snap)
			if q := snap.Queue[0]; q.Group != "government" || q.Mode != rooms.ModeInRoom || q.Name != "Carlos Souza" {
				t.Errorf("carlos queued as %+v", q.Speaker)
			}
		}
	}
	// A link revoked by its jti stops working.
	a.command(t, admin, "plenary", `{"type":"revoke","token":"`+out.Links[0].JTI+`"}`, http.StatusOK)
	amina, _ := strings.CutPrefix(out.Links[0].Link, "https://parley.example/#token=")
	resp = a.do(t, http.MethodGet, "/api/v1/rooms/plenary", amina, "", nil)
	if e := decodeError(t, resp); e.Code != "token_revoked" {
		t.Errorf("the revoked link: %+v", e)
	}

	// As CSV, for a mail merge.
	resp = a.do(t, http.MethodPost, "/api/v1/rooms/plenary/tokens", admin, participantsCSV, map[string]string{"Accept": "text/csv"})
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "line,name,sub,role,jti,expires_at,link" || rows[1][1] != "Amina Diallo" || !strings.Contains(rows[1][6], "/#token=") {
		t.Errorf("csv %q %v", rows, err)
	}
}

func TestABadListIsReportedByLine(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	admin := a.token(t, auth.AnyRoom, rooms.RoleAdmin, "secretariat", nil)
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	post := func(token, body, query string) (int, paramsBody) {
		resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/tokens"+query, token, body, nil)
		defer resp.Body.Close()
		var b paramsBody
		json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	bad := "name,sub,group,role\n" +
		"Amina,amina,civil-society,\n" +
		",,academia,\n" +
		"Again,amina,academia,\n" +
		"Mei,mei,astronauts,\n" +
		"Root,root,,admin\n" +
		"\"unclosed,x,y\n"
	status, b := post(admin, bad, "")
	if status != http.StatusBadRequest || b.Error.Code != "invalid" || b.Error.Params["reason"] != "bad_rows" {
		t.Fatalf("%d %+v", status, b.Error)
	}
	rows, _ := b.Error.Params["rows"].([]any)
	var lines []float64
	for _, r := range rows {
		lines = append(lines, r.(map[string]any)["line"].(float64))
	}
	if want := []float64{3, 4, 5, 6, 7}; len(lines) != len(want) || lines[0] != 3 || lines[4] != 7 {
		t.Errorf("bad lines %v, want %v (%v)", lines, want, rows)
	}
	if !strings.Contains(b.Error.Message, "first on line 3: sub is empty") {
		t.Errorf("message %q", b.Error.Message)
	}
	if status, b := post(admin, "name,email\nAmina,a@example.org\n", ""); status != http.StatusBadRequest || !strings.Contains(b.Error.Message, `unknown column "email"`) {
		t.Errorf("unknown column: %d %+v", status, b.Error)
	}
	if status, b := post(chair, participantsCSV, ""); status != http.StatusForbidden || b.Error.Params["reason"] != "admin_only" {
		t.Errorf("a chair issues: %d %+v", status, b.Error)
	}
	if status, b := post(admin, participantsCSV, "?base=javascript:alert(1)"); status != http.StatusBadRequest {
		t.Errorf("a bad base: %d %+v", status, b.Error)
	}
	big := "name,sub\n" + strings.Repeat("x", 512<<10) // just over: the server answers before the client has sent it all otherwise
	if status, b := post(admin, big, ""); status != http.StatusRequestEntityTooLarge || b.Error.Params["limit_bytes"] != float64(512<<10) {
		t.Errorf("a list too large: %d %+v", status, b.Error)
	}
}
