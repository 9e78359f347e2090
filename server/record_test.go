package server_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

func TestTheRecordOverHTTPSaysHowTurnsWereGivenAndByItem(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Group = "civil-society" })
	carlos := a.token(t, "plenary", rooms.RoleParticipant, "carlos", func(c *auth.Claims) { c.Group = "government" })
	a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item 1"}`, http.StatusOK)
	a.command(t, amina, "plenary", `{"type":"raise_hand"}`, http.StatusOK)  // r3
	a.command(t, carlos, "plenary", `{"type":"raise_hand"}`, http.StatusOK) // r4
	a.command(t, chair, "plenary", `{"type":"call","request":"r4","reason":"the minister must leave"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item 2"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"release"}`, http.StatusOK)

	var ivs []rooms.Intervention
	a.getJSON(t, amina, "/api/v1/rooms/plenary/interventions", &ivs)
	if len(ivs) != 2 || ivs[0].How != rooms.HowOutOfOrder || ivs[0].ChairReason != "the minister must leave" || ivs[1].How != rooms.HowQueue {
		t.Fatalf("interventions %+v", ivs)
	}
	resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary/interventions.csv", chair, "", nil)
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != 3 {
		t.Fatalf("csv %q %v", rows, err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	if r := rows[1]; r[col["how"]] != "out_of_order" || r[col["chair_reason"]] != "the minister must leave" || r[col["agenda_item"]] != "Item 1" {
		t.Errorf("first row %q", r)
	}
	if r := rows[2]; r[col["how"]] != "queue" || r[col["chair_reason"]] != "" {
		t.Errorf("second row %q", r)
	}

	var item struct {
		rooms.Balance
		AgendaItem  *string  `json:"agenda_item"`
		AgendaItems []string `json:"agenda_items"`
	}
	a.getJSON(t, amina, "/api/v1/rooms/plenary/balance?agenda_item="+url.QueryEscape("Item 2"), &item)
	if item.AgendaItem == nil || *item.AgendaItem != "Item 2" || item.Totals.Turns != 1 || len(item.AgendaItems) != 2 {
		t.Errorf("item 2 balance %+v", item)
	}
	g := map[string]rooms.CategoryBalance{}
	for _, c := range item.Dimensions["group"] {
		g[c.Category] = c
	}
	if g["civil-society"].Turns != 1 || g["government"].Turns != 0 {
		t.Errorf("item 2 by group %+v", g)
	}

	var tr rooms.Trend
	a.getJSON(t, amina, "/api/v1/rooms/plenary/balance/trend?dimension=group&every_s=600", &tr)
	if tr.Dimension != "group" || tr.EveryS != 600 || len(tr.Steps) != 1 || len(tr.Categories) != 2 {
		t.Errorf("trend %+v", tr)
	}
	resp = a.do(t, http.MethodGet, "/api/v1/rooms/plenary/balance/trend?dimension=gender", amina, "", nil)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusForbidden || e.Code != "forbidden" {
		t.Errorf("gender trend for a participant: %d %+v", resp.StatusCode, e)
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/balance/trend?dimension=gender", &tr)
	resp = a.do(t, http.MethodGet, "/api/v1/rooms/plenary/balance/trend?every_s=soon", chair, "", nil)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusBadRequest || e.Code != "invalid" {
		t.Errorf("bad every_s: %d %+v", resp.StatusCode, e)
	}
}
