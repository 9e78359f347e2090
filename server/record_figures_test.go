package server_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/export"
)

// TestRecordFigures measures the README's record figures: the export of a
// 3-hour session (200 interventions, 20,000 transcript segments in 3
// languages) and `parley verify` of it. It runs only with
// PARLEY_RECORD_FIGURES=1.
func TestRecordFigures(t *testing.T) {
	if os.Getenv("PARLEY_RECORD_FIGURES") == "" {
		t.Skip("set PARLEY_RECORD_FIGURES=1 to measure the record's figures")
	}
	ctx := t.Context()
	start := time.Date(2014, 4, 23, 9, 0, 0, 0, time.UTC)
	var clock atomic.Int64 // ns after start
	now := func() time.Time { return start.Add(time.Duration(clock.Load())) }
	pub, key, _ := ed25519.GenerateKey(nil)
	a := serveService(t, openFilestore(t), slog.New(slog.DiscardHandler), now, rooms.WithRecordKey(key, 0))
	chair := rooms.Participant{Sub: "chair", Name: "Chair", Role: rooms.RoleChair}
	if _, err := a.rooms.Create(ctx, chair, rooms.RoomSpec{ID: "plenary", Title: "Plenary"}); err != nil {
		t.Fatal(err)
	}
	transcripts := rooms.NewTranscripts(a.rooms, slog.New(slog.DiscardHandler))
	groups := []string{"government", "private-sector", "civil-society", "technical-community", "academia"}
	genders := []string{"woman", "man"}
	langs := []string{"floor", "en", "fr"}
	const turns, segmentsPerTurnPerLang = 200, 33 // 200 × 33 × 3 ≈ 20,000
	built := time.Now()
	for i := range turns {
		p := rooms.Participant{Sub: fmt.Sprint("s", i%60), Name: fmt.Sprint("Speaker ", i%60), Role: rooms.RoleParticipant,
			Group: groups[i%len(groups)], Gender: genders[i%2], Region: "africa", Mode: rooms.ModeRemote}
		for _, step := range []struct {
			who rooms.Participant
			cmd rooms.Command
		}{{p, rooms.Command{Type: rooms.CmdRaiseHand, Note: "on this item"}}, {chair, rooms.Command{Type: rooms.CmdCallNext}}} {
			if _, err := a.rooms.Execute(ctx, "plenary", step.who, step.cmd); err != nil {
				t.Fatalf("turn %d: %s: %v", i, step.cmd.Type, err)
			}
		}
		for _, lang := range langs {
			var body strings.Builder
			for j := range segmentsPerTurnPerLang {
				fmt.Fprintf(&body, "Turn %d, line %d in %s: the multistakeholder model needs every voice heard.\n", i, j, lang)
			}
			captioner := rooms.Participant{Sub: "cart-" + lang, Role: rooms.RoleCaptioner}
			if _, err := transcripts.Post(ctx, "plenary", captioner, lang, 0, body.String()); err != nil {
				t.Fatal(err)
			}
		}
		clock.Add(int64(54 * time.Second))
		if _, err := a.rooms.Execute(ctx, "plenary", chair, rooms.Command{Type: rooms.CmdRelease}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.rooms.Execute(ctx, "plenary", chair, rooms.Command{Type: rooms.CmdCloseRoom}); err != nil {
		t.Fatal(err)
	}
	t.Logf("session built in %s", time.Since(built).Round(time.Millisecond))
	for _, c := range []struct{ who, token string }{
		{"public", ""},
		{"chair", a.token(t, "plenary", rooms.RoleChair, "chair", func(*auth.Claims) {})},
	} {
		began, cpu := time.Now(), cpuTime()
		resp := a.do(t, http.MethodGet, "/api/v1/rooms/plenary/record", c.token, "", nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		exported, exportCPU := time.Since(began), cpuTime()-cpu
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		began, cpu = time.Now(), cpuTime()
		files, err := export.ReadBundle(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		report, err := server.VerifyRecord(files, pub)
		verified, verifyCPU := time.Since(began), cpuTime()-cpu
		if err != nil {
			t.Fatal(err)
		}
		var unzipped int
		for _, f := range files {
			unzipped += len(f.Body)
		}
		t.Logf("%s bundle: %.1f MiB zipped (%.1f MiB of files), exported in %s (%s of CPU), verified in %s (%s of CPU)", c.who,
			float64(len(body))/(1<<20), float64(unzipped)/(1<<20), exported.Round(time.Millisecond), exportCPU.Round(time.Millisecond),
			verified.Round(time.Millisecond), verifyCPU.Round(time.Millisecond))
		t.Log(strings.Join(report, "\n"))
	}
}

// cpuTime is the CPU time this process has used, user and system: on a
// loaded machine, what a step costs when wall time says how long it waited.
func cpuTime() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
