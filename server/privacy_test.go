package server_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live/livetest"
)

// revealed is whose personal data a reader received: subs whose declared
// gender came with them, and subs whose note to the chair ("note of SUB")
// came.
type revealed struct {
	genders, notes []string
}

func (r *revealed) add(o revealed) {
	for _, s := range o.genders {
		if !slices.Contains(r.genders, s) {
			r.genders = append(r.genders, s)
		}
	}
	for _, s := range o.notes {
		if !slices.Contains(r.notes, s) {
			r.notes = append(r.notes, s)
		}
	}
	slices.Sort(r.genders)
	slices.Sort(r.notes)
}

// revealedIn walks a JSON document. Balance figures and the policy are
// aggregates and configuration, public by design, and are not walked.
func revealedIn(t *testing.T, body []byte) revealed {
	t.Helper()
	var tree any
	if err := json.Unmarshal(body, &tree); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var r revealed
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if sub, ok := v["sub"].(string); ok {
				if g, _ := v["gender"].(string); g != "" {
					r.add(revealed{genders: []string{sub}})
				}
			}
			for k, c := range v {
				if k != "balance" && k != "policy" && k != "presence" {
					walk(c)
				}
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		case string:
			if sub, ok := strings.CutPrefix(v, "note of "); ok {
				r.add(revealed{notes: []string{sub}})
			}
		}
	}
	walk(tree)
	return r
}

// revealedInCSV reads the gender column of the intervention record.
func revealedInCSV(t *testing.T, body []byte) revealed {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("csv: %v: %s", err, body)
	}
	sub, gender := slices.Index(rows[0], "sub"), slices.Index(rows[0], "gender")
	var r revealed
	for _, row := range rows[1:] {
		if strings.TrimLeft(row[gender], "'") != "" {
			r.add(revealed{genders: []string{strings.TrimLeft(row[sub], "'")}})
		}
	}
	return r
}

// TestPersonalDataByEndpointAndRole asks every endpoint that shows people,
// over HTTP and live, as every role: the chair and admins receive everyone's
// declared gender and notes; anyone else, their own only.
func TestPersonalDataByEndpointAndRole(t *testing.T) {
	a := newAPI(t)
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, `{"id":"plenary","title":"Plenary","policy":{"kind":"fifo"}}`)
	declare := func(group, gender string) func(*auth.Claims) {
		return func(c *auth.Claims) { c.Group, c.Region, c.Gender = group, "africa", gender }
	}
	tokens := map[string]string{
		"chair":   chair,
		"admin":   a.token(t, "plenary", rooms.RoleAdmin, "admin", nil),
		"amina":   a.token(t, "plenary", rooms.RoleParticipant, "amina", declare("civil-society", "woman")),
		"carlos":  a.token(t, "plenary", rooms.RoleParticipant, "carlos", declare("government", "man")),
		"mei":     a.token(t, "plenary", rooms.RoleParticipant, "mei", declare("academia", "non-binary")),
		"dan":     a.token(t, "plenary", rooms.RoleParticipant, "dan", declare("academia", "")),
		"display": a.token(t, "plenary", rooms.RoleObserver, "display", nil),
		"hub":     a.token(t, "plenary", rooms.RoleHub, "nairobi", func(c *auth.Claims) { c.Mode, c.Hub = rooms.ModeHub, "nairobi" }),
		"cart":    captioner(t, a, ""),
	}
	readers := []string{"chair", "admin", "amina", "carlos", "mei", "dan", "display", "hub", "cart"}
	full := func(reader string) bool { return reader == "chair" || reader == "admin" }
	people := map[string]string{"amina": "amina", "carlos": "carlos", "mei": "mei"} // reader -> sub

	// Live readers connect before anything happens and follow the floor's
	// transcript, so they receive every event and segment as it comes.
	early := map[string]*livetest.Conn{}
	for _, reader := range readers {
		c := a.dial(t, "plenary", tokens[reader], "")
		c.Send(map[string]any{"type": "transcript", "id": "follow", "langs": []string{rooms.FloorLanguage}})
		early[reader] = c
	}

	raise := func(sub string) {
		a.command(t, tokens[sub], "plenary", `{"type":"raise_hand","note":"note of `+sub+`"}`, http.StatusOK)
	}
	raise("amina")
	raise("carlos")
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	if status, out := a.postCaption(t, tokens["cart"], "plenary", "lang=floor&seq=1", "Thank you, chair.\n"); status != http.StatusOK {
		t.Fatalf("caption: %d %v", status, out)
	}
	a.command(t, chair, "plenary", `{"type":"release"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	raise("mei")

	// What each endpoint holds: the people whose data the chair receives
	// from it, and whose their owners receive.
	all := revealed{genders: []string{"amina", "carlos", "mei"}, notes: []string{"amina", "carlos", "mei"}}
	type endpoint struct {
		name      string
		get       func(reader string) (revealed, bool) // false: the role may not ask
		full, own revealed
	}
	// ask sends a request and reads what it reveals from an answer of status
	// want; false when the role may not ask.
	ask := func(method, path, accept, body string, want int, parse func(*testing.T, []byte) revealed) func(string) (revealed, bool) {
		return func(reader string) (revealed, bool) {
			resp := a.do(t, method, path, tokens[reader], body, map[string]string{"Accept": accept})
			defer resp.Body.Close()
			answer, _ := io.ReadAll(resp.Body)
			if resp.StatusCode == http.StatusForbidden {
				return revealed{}, false
			}
			if resp.StatusCode != want {
				t.Fatalf("%s %s as %s: %d %s", method, path, reader, resp.StatusCode, answer)
			}
			return parse(t, answer), true
		}
	}
	httpGet := func(path, accept string, parse func(*testing.T, []byte) revealed) func(string) (revealed, bool) {
		return ask(http.MethodGet, path, accept, "", http.StatusOK, parse)
	}
	room := "/api/v1/rooms/plenary"
	endpoints := []endpoint{
		{name: "snapshot", get: httpGet(room, "", revealedIn),
			full: revealed{genders: []string{"carlos", "mei"}, notes: []string{"mei"}},
			own:  revealed{genders: []string{"carlos", "mei"}, notes: []string{"mei"}}},
		{name: "events", get: httpGet(room+"/events", "", revealedIn), full: all, own: all},
		// A command given against an old state is refused with the room as
		// it is now.
		{name: "stale command", get: ask(http.MethodPost, room+"/commands", "", `{"type":"release","if_seq":1}`, http.StatusConflict, revealedIn),
			full: revealed{genders: []string{"carlos", "mei"}, notes: []string{"mei"}},
			own:  revealed{genders: []string{"carlos", "mei"}, notes: []string{"mei"}}},
		{name: "interventions", get: httpGet(room+"/interventions", "", revealedIn),
			full: revealed{genders: []string{"amina"}}, own: revealed{genders: []string{"amina"}}},
		{name: "interventions by gender", get: httpGet(room+"/interventions?gender=woman", "", revealedIn),
			full: revealed{genders: []string{"amina"}}, own: revealed{genders: []string{"amina"}}},
		{name: "interventions with transcript", get: httpGet(room+"/interventions?transcript=floor", "", revealedIn),
			full: revealed{genders: []string{"amina"}}, own: revealed{genders: []string{"amina"}}},
		{name: "interventions.csv", get: httpGet(room+"/interventions.csv", "", revealedInCSV),
			full: revealed{genders: []string{"amina"}}, own: revealed{genders: []string{"amina"}}},
		{name: "interventions as text/csv", get: httpGet(room+"/interventions", "text/csv", revealedInCSV),
			full: revealed{genders: []string{"amina"}}, own: revealed{genders: []string{"amina"}}},
		{name: "balance", get: httpGet(room+"/balance", "", revealedIn)},
		// The transcript is a published record: its speakers carry the
		// public view for everyone.
		{name: "transcript", get: httpGet(room+"/transcript?lang=floor", "", revealedIn)},
		{name: "transcript search", get: httpGet(room+"/transcript/search?q=chair", "", revealedIn)},
		{name: "transcript.json", get: httpGet(room+"/transcript.json?lang=floor", "", revealedIn)},
		{name: "live, from the start", get: func(reader string) (revealed, bool) {
			return revealedUntilPong(t, early[reader]), true
		}, full: all, own: all},
		{name: "live, joining now", get: func(reader string) (revealed, bool) {
			return revealedUntilPong(t, a.dial(t, "plenary", tokens[reader], "")), true
		}, full: revealed{genders: []string{"carlos", "mei"}, notes: []string{"mei"}},
			own: revealed{genders: []string{"amina", "carlos", "mei"}, notes: []string{"mei"}}},
		{name: "live, resuming after the room opened", get: func(reader string) (revealed, bool) {
			return revealedUntilPong(t, a.dial(t, "plenary", tokens[reader], "after=1")), true
		}, full: all, own: revealed{genders: []string{"amina", "carlos", "mei"}, notes: []string{"mei"}}},
	}
	for _, ep := range endpoints {
		for _, reader := range readers {
			got, asked := ep.get(reader)
			if !asked {
				if full(reader) {
					t.Errorf("%s: refused to %s", ep.name, reader)
				}
				continue
			}
			var want revealed
			switch {
			case full(reader):
				want = ep.full
			case people[reader] != "":
				sub := people[reader]
				if slices.Contains(ep.own.genders, sub) {
					want.genders = []string{sub}
				}
				if slices.Contains(ep.own.notes, sub) {
					want.notes = []string{sub}
				}
			}
			if !slices.Equal(got.genders, want.genders) || !slices.Equal(got.notes, want.notes) {
				t.Errorf("%s as %s: genders of %v and notes of %v, want %v and %v", ep.name, reader, got.genders, got.notes, want.genders, want.notes)
			}
		}
	}
}

// revealedUntilPong pings and reads until the pong, so everything the server
// queued before it has been read, and returns whose data came.
func revealedUntilPong(t *testing.T, c *livetest.Conn) revealed {
	t.Helper()
	c.Send(map[string]any{"type": "ping", "id": "until"})
	var r revealed
	for {
		c.WS.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := c.WS.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		json.Unmarshal(data, &m)
		if m.Type == "pong" && m.ID == "until" {
			return r
		}
		r.add(revealedIn(t, data))
	}
}
