package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
)

func TestPublicMessageIsTheDetailNotTheChain(t *testing.T) {
	free := fmt.Errorf("%w: the floor is already free", rooms.ErrState)
	for _, c := range []struct {
		err       error
		code, msg string
	}{
		{fmt.Errorf("room %q: release: %w", "plenary", free), "not_now", "the floor is already free"},
		{fmt.Errorf("room %q: %w", "plenary", fmt.Errorf("request %q: %w", "r3", rooms.ErrNotFound)), "not_found", `request "r3": not found`},
		{fmt.Errorf("transcript en: %w", fmt.Errorf("%w: %w", rooms.ErrInvalid, errors.New("line too long"))), "invalid", "line too long"},
		{fmt.Errorf("room %q: read: %w", "plenary", fmt.Errorf("%w: dial tcp 10.0.0.7:6379: refused", rooms.ErrUnavailable)), "store_unavailable", "the store does not answer; try again in a moment"},
		{fmt.Errorf("room %q: %w", "plenary", &rooms.LostError{Held: 9, Has: 2}), "store_lost_events", "the store holds 2 of the 9 events this server had"},
		{errors.New("disk on fire"), "internal", "the server could not complete the request"},
	} {
		p := describe(c.err)
		if p.code != c.code || !strings.HasPrefix(p.message, c.msg) {
			t.Errorf("%v: got %s %q, want %s %q", c.err, p.code, p.message, c.code, c.msg)
		}
	}
}

// The public message of a set-aside journal says why, and where, without
// the store's internals.
func TestSetAsideRoomMessage(t *testing.T) {
	dir := t.TempDir()
	s, err := filestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.Append(t.Context(), rooms.RoomLog("plenary"), uint64(i), []rooms.Event{{Type: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	flip(t, dir+"/rooms/plenary.log", 12)
	s, err = filestore.OpenWithOptions(dir, filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Read(t.Context(), rooms.RoomLog("plenary"), 0, 0)
	p := describe(fmt.Errorf("room %q: %w", "plenary", err))
	if p.status != http.StatusServiceUnavailable || p.code != "room_unavailable" || p.retryAfter == "" ||
		!strings.HasPrefix(p.message, "the journal of plenary is damaged") || strings.Contains(p.message, dir) {
		t.Errorf("set-aside room: %+v", p)
	}
}

func flip(t *testing.T, path string, off int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 0x40
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// An error after the answer has begun cannot change its status: it is
// logged, and no second header goes out. A client that stopped reading is
// no server fault.
func TestErrorAfterTheAnswerBegan(t *testing.T) {
	for _, c := range []struct {
		name      string
		writeFail bool
		wantLevel string
	}{
		{"server fault mid-body", false, "level=ERROR"},
		{"client gone mid-body", true, "level=DEBUG"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Read only after srv.Close, which waits for the handler.
			var logs, httpLog bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.writeFail {
					w = failingWriter{w}
				}
				rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
				rec.Write([]byte("start,of,a,csv\n"))
				writeError(rec, r, logger, errors.New("broken pipe, or a bug"))
			}))
			srv.Config.ErrorLog = log.New(&httpLog, "", 0)
			srv.Start()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "error") {
				t.Errorf("answer: %d %q, want the 200 that had begun and no error body", resp.StatusCode, body)
			}
			srv.Close()
			if strings.Contains(httpLog.String(), "superfluous") {
				t.Errorf("a second header was written: %s", httpLog.String())
			}
			if !strings.Contains(logs.String(), c.wantLevel) || (c.writeFail && strings.Contains(logs.String(), "level=ERROR")) {
				t.Errorf("logged %q, want %s", logs.String(), c.wantLevel)
			}
		})
	}
}

// failingWriter is a response writer whose client has left: its writes fail.
type failingWriter struct{ http.ResponseWriter }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("write: broken pipe") }
