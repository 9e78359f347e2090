package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// One flipped byte in the middle of one room's journal sets that room
// aside: serve runs, the room answers 503 room_unavailable with the reason,
// the other rooms serve, the operator reads what to do, and the file is
// kept as it was.
func TestDamagedJournalSetsOneRoomAside(t *testing.T) {
	dir := t.TempDir()
	srv := start(t, "--data", dir)
	admin := mint(t, "*", "admin", "secretariat", "")
	for _, room := range []string{"plenary", "side"} {
		srv.mustCall(t, "POST", "/api/v1/rooms", admin, `{"id":"`+room+`"}`, 201)
		for i := range 3 {
			srv.mustCall(t, "POST", "/api/v1/rooms/"+room+"/commands", mint(t, room, "participant", fmt.Sprint("p", i), "academia"), `{"type":"raise_hand"}`, 200)
		}
	}
	srv.kill()

	journal := filepath.Join(dir, "rooms", "plenary.log")
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(journal, data, 0o600); err != nil {
		t.Fatal(err)
	}

	srv = start(t, "--data", dir)
	resp := srv.request(t, "GET", "/api/v1/rooms/plenary", admin)
	var e struct {
		Error struct{ Code, Message string }
	}
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || e.Error.Code != "room_unavailable" || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(e.Error.Message, "damaged") || strings.Contains(e.Error.Message, dir) {
		t.Errorf("the damaged room: %d %+v, want 503 room_unavailable saying it is damaged", resp.StatusCode, e.Error)
	}
	srv.mustCall(t, "GET", "/api/v1/rooms/side", admin, "", 200)
	srv.mustCall(t, "POST", "/api/v1/rooms/side/commands", mint(t, "side", "participant", "late", "academia"), `{"type":"raise_hand"}`, 200)
	srv.mustCall(t, "GET", "/readyz", "", "", 200)
	logs := srv.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, journal) || !strings.Contains(logs, "truncate -s") {
		t.Errorf("no ERROR log naming the file and how to repair it:\n%s", logs)
	}
	if after, err := os.ReadFile(journal); err != nil || string(after) != string(data) {
		t.Errorf("the damaged journal changed (%v)", err)
	}
}

func TestMaxRoomsFlag(t *testing.T) {
	srv := start(t, "--data", t.TempDir(), "--max-rooms", "1")
	admin := mint(t, "*", "admin", "secretariat", "")
	srv.mustCall(t, "POST", "/api/v1/rooms", admin, `{"id":"plenary"}`, 201)
	if b := srv.mustCall(t, "POST", "/api/v1/rooms", admin, `{"id":"side"}`, 409); !strings.Contains(string(b), "room_limit") {
		t.Errorf("a second room past --max-rooms 1: %s", b)
	}
}

// request sends one request and returns the response, body unread.
func (p *process) request(t *testing.T, method, path, tok string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, p.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	c := http.Client{Timeout: time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
