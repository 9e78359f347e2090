package server_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/export"
)

// recordedSession runs a short closed session with personal data and
// transcripts in two channels on a server that signs its record, and
// returns it with the chair's token and the signer's key.
func recordedSession(t *testing.T, spec string) (*api, string, ed25519.PublicKey) {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(nil)
	a := serveService(t, openFilestore(t), slog.New(slog.DiscardHandler), nil, rooms.WithRecordKey(key, 0))
	chair := a.token(t, "plenary", rooms.RoleChair, "chair", nil)
	a.createRoom(t, chair, spec)
	amina := a.token(t, "plenary", rooms.RoleParticipant, "amina", func(c *auth.Claims) { c.Group = "civil-society"; c.Gender = "woman" })
	captioner := a.token(t, "plenary", rooms.RoleCaptioner, "cart", nil)
	a.command(t, chair, "plenary", `{"type":"set_agenda_item","title":"Item 1"}`, http.StatusOK)
	a.command(t, amina, "plenary", `{"type":"raise_hand","note":"secret-note-for-the-chair"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"call_next"}`, http.StatusOK)
	for _, lang := range []string{"floor", "fr"} {
		resp := a.do(t, http.MethodPost, "/api/v1/rooms/plenary/captions?lang="+lang+"&seq=1", captioner, "Words on the record, "+lang+".\n", nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("caption %s: %d", lang, resp.StatusCode)
		}
	}
	a.command(t, chair, "plenary", `{"type":"release"}`, http.StatusOK)
	a.command(t, chair, "plenary", `{"type":"close_room"}`, http.StatusOK)
	return a, chair, pub
}

func getBundle(t *testing.T, a *api, token string) []export.File {
	t.Helper()
	resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary/record", token, "", nil)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET record: %d %s", resp.StatusCode, body)
	}
	files, err := export.ReadBundle(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestRecordBundleVerifiesAndKeepsPersonalDataToTheChair(t *testing.T) {
	a, chair, pub := recordedSession(t, `{"id":"plenary","policy":{"kind":"fifo"}}`)
	var served struct{ Key string }
	a.getJSON(t, "", "/api/v1/record-key", &served)
	if served.Key != hex.EncodeToString(pub) {
		t.Fatalf("record-key serves %s, want the signer's %x", served.Key, pub)
	}
	for _, c := range []struct {
		who      string
		token    string
		personal bool
	}{{"nobody", "", false}, {"the chair", chair, true}} {
		files := getBundle(t, a, c.token)
		report, err := server.VerifyRecord(files, pub)
		if err != nil {
			t.Fatalf("%s's bundle: %v\n%s", c.who, err, strings.Join(report, "\n"))
		}
		var all []byte
		names := map[string]bool{}
		for _, f := range files {
			all, names[f.Name] = append(all, f.Body...), true
		}
		for _, name := range []string{"events.jsonl", "interventions.json", "interventions.csv", "balance.json", "policy.json", "checkpoints.json",
			"transcripts/floor.jsonl", "transcripts/floor.vtt", "transcripts/fr.json", "record-key.pem", "manifest.json"} {
			if !names[name] {
				t.Errorf("%s's bundle lacks %s", c.who, name)
			}
		}
		for _, secret := range []string{"secret-note-for-the-chair", `"gender":"woman"`} {
			if got := bytes.Contains(all, []byte(secret)); got != c.personal {
				t.Errorf("%s's bundle holds %s: %v, want %v", c.who, secret, got, c.personal)
			}
		}
	}
}

// TestVerifyCatchesOneChangedByteInEachPart changes one letter or digit of
// each file of a public bundle in turn and checks that verify refuses it.
func TestVerifyCatchesOneChangedByteInEachPart(t *testing.T) {
	a, _, pub := recordedSession(t, `{"id":"plenary","policy":{"kind":"fifo"}}`)
	files := getBundle(t, a, "")
	for i, f := range files {
		tampered := make([]export.File, len(files))
		copy(tampered, files)
		body := bytes.Clone(f.Body)
		at := changeOneByte(body)
		tampered[i] = export.File{Name: f.Name, Body: body}
		_, err := server.VerifyRecord(tampered, pub)
		if !errors.Is(err, server.ErrRecord) {
			t.Errorf("%s with byte %d changed: verify says %v, want it refused", f.Name, at, err)
			continue
		}
		t.Logf("%s, byte %d changed: %v", f.Name, at, err)
	}
	if _, err := server.VerifyRecord(files, pub); err != nil {
		t.Fatalf("the bundle itself: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := server.VerifyRecord(files, other); !errors.Is(err, server.ErrRecord) {
		t.Fatalf("checked against another key: %v, want it refused", err)
	}
}

// changeOneByte changes the letter or digit nearest the middle of b to
// another of its kind, and returns where.
func changeOneByte(b []byte) int {
	for d := 0; d < len(b); d++ {
		for _, i := range []int{len(b)/2 + d, len(b)/2 - d} {
			if i < 0 || i >= len(b) {
				continue
			}
			switch c := b[i]; {
			case c >= '0' && c <= '9':
				b[i] = '0' + (c-'0'+1)%10
			case c >= 'a' && c <= 'z':
				b[i] = 'a' + (c-'a'+1)%26
			case c >= 'A' && c <= 'Z':
				b[i] = 'A' + (c-'A'+1)%26
			default:
				continue
			}
			return i
		}
	}
	return -1
}

func TestRecordIsPublicOnceClosedUnlessTheRoomSaysNot(t *testing.T) {
	paths := []string{"/api/v1/rooms/plenary", "/api/v1/rooms/plenary/events", "/api/v1/rooms/plenary/interventions",
		"/api/v1/rooms/plenary/interventions.csv", "/api/v1/rooms/plenary/interventions?transcript=fr",
		"/api/v1/rooms/plenary/balance", "/api/v1/rooms/plenary/balance/trend", "/api/v1/rooms/plenary/transcript?lang=fr",
		"/api/v1/rooms/plenary/transcript.vtt?lang=floor", "/api/v1/rooms/plenary/transcript.json", "/api/v1/rooms/plenary/record"}
	for _, c := range []struct {
		spec string
		want int
	}{
		{`{"id":"plenary"}`, http.StatusOK},
		{`{"id":"plenary","record":{"public":false}}`, http.StatusUnauthorized},
	} {
		a, _, _ := recordedSession(t, c.spec)
		for _, path := range paths {
			resp := a.do(t, http.MethodGet, path, "", "", nil)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s, GET %s without a token: %d, want %d", c.spec, path, resp.StatusCode, c.want)
			}
			if bytes.Contains(body, []byte("secret-note")) || bytes.Contains(body, []byte(`"gender":"woman"`)) {
				t.Errorf("GET %s without a token shows personal data: %.300s", path, body)
			}
		}
	}
	// An open room answers nobody without a token.
	a := newAPI(t)
	plenary(t, a)
	resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary/interventions", "", "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an open room's interventions without a token: %d, want 401", resp.StatusCode)
	}
}
