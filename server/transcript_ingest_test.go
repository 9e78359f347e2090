package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// errorCode is the code of an error answer decoded by postCaption.
func errorCode(body map[string]any) (code, message string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	return code, message
}

// A 64 KiB post of 32,000 short lines is refused at once, and changes
// nothing; a post at the bound is taken whole.
func TestCaptionPostOfTooManyLinesIsRefused(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	cart := captioner(t, a, "en")
	status, body := a.postCaption(t, cart, "plenary", "lang=en&seq=1", strings.Repeat("a\n", 32_000))
	if code, msg := errorCode(body); status != 413 || code != "too_many_lines" || !strings.Contains(msg, "at most 1000 lines") {
		t.Fatalf("32,000 lines: %d %v, want 413 too_many_lines naming the bound", status, body)
	}
	var page struct {
		Segments []rooms.Segment `json:"segments"`
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/transcript?lang=en", &page)
	if len(page.Segments) != 0 {
		t.Fatalf("a refused post left %d segments", len(page.Segments))
	}
	status, body = a.postCaption(t, cart, "plenary", "lang=en&seq=1", strings.Repeat("a\n", rooms.MaxPostLines))
	if segs, _ := body["segments"].([]any); status != 200 || len(segs) != rooms.MaxPostLines {
		t.Errorf("%d lines: status %d, %d segments", rooms.MaxPostLines, status, len(segs))
	}
}

// A seq far ahead is refused with a clear error instead of silencing the
// channel; each captioner numbers their own posts, and /captions/seq
// answers the caller's own.
func TestCaptionSeqCannotSilenceAChannel(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	cart := captioner(t, a, "en")
	relief := a.token(t, "plenary", rooms.RoleCaptioner, "cart-relief", func(c *auth.Claims) { c.Lang = "en" })

	status, body := a.postCaption(t, cart, "plenary", "lang=en&seq=18446744073709551615", "Silence.\n")
	if code, msg := errorCode(body); status != 400 || code != "seq_too_far_ahead" || !strings.Contains(msg, "more than 1000 ahead") {
		t.Fatalf("seq 2^64-1: %d %v, want 400 seq_too_far_ahead naming the bound", status, body)
	}
	steps := []struct {
		token, query string
		dup          bool
	}{
		{cart, "lang=en&seq=1", false},
		{cart, "lang=en&seq=7", false},
		{relief, "lang=en&seq=1", false},
		{relief, "lang=en&seq=1", true},
		{cart, "lang=en&seq=8", false},
	}
	for i, s := range steps {
		status, body := a.postCaption(t, s.token, "plenary", s.query, "line\n")
		if status != 200 || (body["duplicate"] == true) != s.dup {
			t.Errorf("step %d %s: %d %v, want duplicate %v", i, s.query, status, body, s.dup)
		}
	}
	for _, c := range []struct {
		token string
		want  float64
	}{{cart, 8}, {relief, 1}} {
		var seq map[string]any
		a.getJSON(t, c.token, "/api/v1/rooms/plenary/captions/seq?lang=en", &seq)
		if seq["caption_seq"] != c.want {
			t.Errorf("caption seq = %v, want %v", seq, c.want)
		}
		// The console finishes a line after the pause the server does.
		if seq["line_idle_ms"] != float64(rooms.LineIdle.Milliseconds()) {
			t.Errorf("line_idle_ms = %v, want %d", seq["line_idle_ms"], rooms.LineIdle.Milliseconds())
		}
	}
	var page struct {
		Segments []rooms.Segment `json:"segments"`
	}
	a.getJSON(t, chair, "/api/v1/rooms/plenary/transcript?lang=en", &page)
	if len(page.Segments) != 4 {
		t.Errorf("%d segments, want the 4 posts applied", len(page.Segments))
	}
}

// Every export holds the line still being written (JSON marks it
// unfinished), the SRT export escapes markup as the WebVTT one does, and
// transcript.json names its language even with no segments yet.
func TestTranscriptExportsHoldTheOpenLine(t *testing.T) {
	a := newAPI(t)
	chair := plenary(t, a)
	cart := captioner(t, a, "")
	a.postCaption(t, cart, "plenary", "lang=en&seq=1", "Remote <hubs> & <i>all</i>.\nWe now turn to")

	for _, ext := range []string{"txt", "vtt", "srt", "json"} {
		if body := a.getText(t, chair, "/api/v1/rooms/plenary/transcript."+ext+"?lang=en", ""); !strings.Contains(body, "We now turn to") {
			t.Errorf("%s export lacks the line being written:\n%s", ext, body)
		}
	}
	srt := a.getText(t, chair, "/api/v1/rooms/plenary/transcript.srt?lang=en", "application/x-subrip")
	if !strings.Contains(srt, "Remote &lt;hubs&gt; &amp; &lt;i&gt;all&lt;/i&gt;.") {
		t.Errorf("srt does not escape markup:\n%s", srt)
	}
	var rec struct {
		Lang     string `json:"lang"`
		Segments []struct {
			Text  string `json:"text"`
			Final bool   `json:"final"`
		} `json:"segments"`
	}
	decodeText(t, a.getText(t, chair, "/api/v1/rooms/plenary/transcript.json?lang=en", "application/json"), &rec)
	if rec.Lang != "en" || len(rec.Segments) != 2 || !rec.Segments[0].Final || rec.Segments[1].Final || rec.Segments[1].Text != "We now turn to" {
		t.Errorf("json record = %+v, want en with a final line and the unfinished one", rec)
	}
	decodeText(t, a.getText(t, chair, "/api/v1/rooms/plenary/transcript.json?lang=fr", "application/json"), &rec)
	if rec.Lang != "fr" || len(rec.Segments) != 0 {
		t.Errorf("json record of fr = %+v, want fr and no segments", rec)
	}
}

func decodeText(t *testing.T, text string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("%v in\n%s", err, text)
	}
}
