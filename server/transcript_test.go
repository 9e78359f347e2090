package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live/livetest"
)

// postCaption posts a caption the way CART software does: the token in the
// URL, plain text in the body.
func (a *api) postCaption(t *testing.T, token, room, query, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.url+"/api/v1/rooms/"+room+"/captions?access_token="+token+"&"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func captioner(t *testing.T, a *api, lang string) string {
	return a.token(t, "plenary", rooms.RoleCaptioner, "cart-"+lang, func(c *auth.Claims) { c.Lang = lang })
}

func TestCaptionIngestConventions(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	cart := captioner(t, a, "")
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Group = "civil-society" })
	a.command(t, amina, "plenary", `{"type":"raise_hand"}`, 200)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, 200)

	steps := []struct {
		query, body string
		status      int
		check       func(map[string]any) bool
	}{
		{"lang=en&seq=1", "Thank you, chair. Civil socie", 200, func(m map[string]any) bool { return m["caption_seq"] == 1.0 }},
		{"lang=en&seq=2", "tyy\b welcomes\n", 200, nil},
		{"lang=en&seq=2", "tyy\b welcomes\n", 200, func(m map[string]any) bool { return m["duplicate"] == true }},
		{"lang=en&seq=5", "the roadmap.\n", 200, func(m map[string]any) bool { return m["missing"] == 2.0 }},
		{"lang=en&seq=6", "\xff\xfe", 400, nil},
		{"lang=en&seq=x", "hello", 400, nil},
		{"lang=Klingon!&seq=1", "hello", 400, nil},
		{"lang=en&seq=7", strings.Repeat("a", 70<<10), 413, nil},
	}
	for _, s := range steps {
		status, body := a.postCaption(t, cart, "plenary", s.query, s.body)
		if status != s.status || (s.check != nil && !s.check(body)) {
			t.Errorf("%s %.30q: %d %v, want %d", s.query, s.body, status, body, s.status)
		}
	}

	var page struct {
		Seq      uint64          `json:"seq"`
		Segments []rooms.Segment `json:"segments"`
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/transcript?lang=en", &page)
	if len(page.Segments) != 2 || page.Segments[0].Text != "Thank you, chair. Civil society welcomes" || page.Segments[1].Text != "the roadmap." {
		t.Fatalf("segments = %+v", page.Segments)
	}
	if sp := page.Segments[0].Speaker; sp == nil || sp.Sub != "amina" || sp.Group != "civil-society" {
		t.Errorf("speaker = %+v, want amina", sp)
	}
	var seq map[string]any
	a.getJSON(t, cart, "/api/v1/rooms/plenary/captions/seq?lang=en", &seq)
	if seq["caption_seq"] != 5.0 {
		t.Errorf("caption seq = %v, want 5", seq)
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/transcript?lang=fr", &page)
	if len(page.Segments) != 0 {
		t.Errorf("fr = %+v, want nothing: languages are separate", page.Segments)
	}
}

func TestCaptionsRefusedChangeNothing(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	tests := []struct {
		name, token, room, query string
		status                   int
	}{
		{"no token", "", "plenary", "lang=en&seq=1", 401},
		{"participant", a.token(t, "plenary", rooms.RoleParticipant, "amina", nil), "plenary", "lang=en&seq=1", 403},
		{"interpreter in another language", captioner(t, a, "fr"), "plenary", "lang=en&seq=1", 403},
		{"other room's captioner", a.token(t, "ws-1", rooms.RoleCaptioner, "cart", nil), "plenary", "lang=en&seq=1", 403},
		{"unknown room", a.token(t, "*", rooms.RoleCaptioner, "cart", nil), "nowhere", "lang=en&seq=1", 404},
	}
	for _, tc := range tests {
		if status, body := a.postCaption(t, tc.token, tc.room, tc.query, "hello"); status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, body, tc.status)
		}
	}
	var snap rooms.Snapshot
	a.getJSON(t, chair, "/api/v1/rooms/plenary", &snap)
	if snap.Seq != 1 || len(snap.Languages) != 0 {
		t.Errorf("refused posts changed the room: seq %d, languages %v", snap.Seq, snap.Languages)
	}
}

func TestCaptionFloodIsLimitedWithoutLosingAcceptedText(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	cart := captioner(t, a, "en")
	accepted, limited := 0, 0
	for seq := 1; seq <= 100; seq++ {
		status, _ := a.postCaption(t, cart, "plenary", "lang=en&seq="+itoa(uint64(seq)), "w"+itoa(uint64(seq))+"\n")
		switch status {
		case 200:
			accepted++
		case 429:
			limited++
		default:
			t.Fatalf("post %d: status %d", seq, status)
		}
	}
	if limited == 0 {
		t.Fatal("100 posts at once were not limited")
	}
	var page struct {
		Segments []rooms.Segment `json:"segments"`
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/transcript?lang=en", &page)
	if len(page.Segments) != accepted {
		t.Errorf("%d posts accepted, %d segments kept", accepted, len(page.Segments))
	}
}

func TestViewersFollowTheirLanguagesLive(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	a.postCaption(t, captioner(t, a, ""), "plenary", "lang=en&seq=1", "Welcome.\n")
	a.postCaption(t, captioner(t, a, ""), "plenary", "lang=fr&seq=1", "Bienvenue.\n")
	english := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, "amina", nil), "")
	french := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, "jean", nil), "")
	for _, v := range []struct {
		c    *livetest.Conn
		lang string
	}{{english, "en"}, {french, "fr"}} {
		v.c.Welcome()
		v.c.NextOf("snapshot")
		v.c.Send(map[string]any{"type": "transcript", "id": "t", "langs": []string{v.lang}})
		if m := v.c.NextOf("segments"); m.Lang != v.lang {
			t.Fatalf("subscribed to %s, got the backlog of %s", v.lang, m.Lang)
		}
	}
	a.postCaption(t, captioner(t, a, ""), "plenary", "lang=en&seq=2", "Good morning.\n")
	a.postCaption(t, captioner(t, a, ""), "plenary", "lang=fr&seq=2", "Bonjour.\n")

	if m := nextSegment(t, english); m.Lang != "en" || m.Segment.Text != "Good morning." || !m.Segment.Final {
		t.Errorf("english viewer got %+v", m)
	}
	if m := nextSegment(t, french); m.Lang != "fr" || m.Segment.Text != "Bonjour." {
		t.Errorf("french viewer got %+v", m)
	}
}

func TestTranscriptExportsAndSearch(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	a.command(t, a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Name = "Amina Diallo"; c.Group = "civil-society" }), "plenary", `{"type":"raise_hand"}`, 200)
	a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item 2: roadmap"}`, 200)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, 200)
	a.postCaption(t, captioner(t, a, ""), "plenary", "lang=floor&seq=1", "Participação & governance <for all>.\n")
	a.command(t, chair, "plenary", `{"type":"release"}`, 200)

	vtt := a.getText(t, chair, "/api/v1/rooms/plenary/transcript.vtt?lang=floor", "text/vtt")
	if !strings.HasPrefix(vtt, "WEBVTT") || !strings.Contains(vtt, "<v Amina Diallo>") || !strings.Contains(vtt, "&amp;") || !strings.Contains(vtt, " --> ") {
		t.Errorf("vtt =\n%s", vtt)
	}
	for _, ext := range []string{"txt", "srt", "json"} {
		if body := a.getText(t, chair, "/api/v1/rooms/plenary/transcript."+ext, ""); !strings.Contains(body, "governance") {
			t.Errorf("%s export lacks the text:\n%s", ext, body)
		}
	}
	var found struct {
		Segments []rooms.Segment `json:"segments"`
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/transcript/search?q=participacao+governance", &found)
	if len(found.Segments) != 1 || found.Segments[0].Speaker == nil || found.Segments[0].Speaker.Name != "Amina Diallo" {
		t.Errorf("search = %+v", found.Segments)
	}

	var spoken []struct {
		Sub        string          `json:"sub"`
		Transcript []rooms.Segment `json:"transcript"`
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/interventions?group=civil-society&agenda_item=Item+2:+roadmap&transcript=floor", &spoken)
	if len(spoken) != 1 || spoken[0].Sub != "amina" || len(spoken[0].Transcript) != 1 {
		t.Errorf("what civil society said under item 2: %+v", spoken)
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/interventions?group=government", &spoken)
	if len(spoken) != 0 {
		t.Errorf("government interventions = %+v, want none", spoken)
	}
}

func nextSegment(t *testing.T, c *livetest.Conn) struct {
	Lang    string
	Segment rooms.Segment
} {
	t.Helper()
	m := c.NextOf("segment")
	return struct {
		Lang    string
		Segment rooms.Segment
	}{m.Lang, *m.Segment}
}

func (a *api) getText(t *testing.T, token, path, contentType string) string {
	t.Helper()
	resp := a.do(t, http.MethodGet, path, token, "", nil)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), contentType) {
		t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return string(b)
}

func TestFollowingTranscripts(t *testing.T) {
	a := newAPI(t)
	plenary(t, a)
	cart := captioner(t, a, "")
	a.postCaption(t, cart, "plenary", "lang=en&seq=1", "One.\n")
	v := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, "amina", nil), "")
	v.Welcome()
	v.NextOf("snapshot")

	// Only languages someone writes in can be followed (and the floor,
	// always): made-up ones are refused, and change nothing.
	v.Send(map[string]any{"type": "transcript", "id": "t1", "langs": []string{"xx-made-up"}})
	if m := v.Next(); m.Type != "error" || m.Code != "not_found" || m.ID != "t1" {
		t.Errorf("made-up language: %+v", m)
	}
	// A client that saw more than the channel holds (the channel was
	// rebuilt) gets the channel afresh.
	v.Send(map[string]any{"type": "transcript", "id": "t2", "langs": []string{"floor", "en"}, "after": map[string]uint64{"en": 999}})
	for got := map[string]bool{}; !got["floor"] || !got["en"]; {
		m := v.Next()
		if m.Type != "segments" {
			continue
		}
		got[m.Lang] = true
		if m.Lang == "en" && (len(m.Segments) != 1 || m.Segments[0].Text != "One.") {
			t.Errorf("en after a seq ahead of the channel: %+v", m.Segments)
		}
	}
}
