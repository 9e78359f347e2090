package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var demoChairLink = regexp.MustCompile(`^chair\s+Chair\s+http://\S+/rooms/demo/chair#token=(\S+)$`)

// `make run` twice: the links the first run printed still open the room
// after the restart, because the development secret is kept, 0600, in the
// data directory and reused.
func TestDemoLinksSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, "--demo", "--data", dir)
	first := srv.output(t, demoChairLink)[1]
	srv.mustCall(t, "GET", "/api/v1/rooms/demo", first, "", 200)
	path := filepath.Join(dir, devSecretFile)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("development secret file: %v, %v; want mode 0600", info, err)
	}
	kept, _ := os.ReadFile(path)

	srv.kill()
	srv = startServe(t, "--demo", "--data", dir)
	second := srv.output(t, demoChairLink)[1]
	srv.mustCall(t, "GET", "/api/v1/rooms/demo", first, "", 200)
	srv.mustCall(t, "GET", "/api/v1/rooms/demo", second, "", 200)
	if now, _ := os.ReadFile(path); !bytes.Equal(now, kept) {
		t.Error("the restart replaced the development secret")
	}
	if !strings.Contains(srv.logs.String(), path) {
		t.Errorf("the log does not say where the secret is kept:\n%s", srv.logs)
	}
}

func TestDevSecretIsMadeOnceAndRefusedWhenExposedOrShort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	made, path, created, err := devSecret(dir)
	if err != nil || !created || len(made) < minDevSecret {
		t.Fatalf("first: %q, created %v, %v", made, created, err)
	}
	again, _, created, err := devSecret(dir)
	if err != nil || created || !bytes.Equal(again, made) {
		t.Fatalf("second: %q, created %v, %v; want the first one back", again, created, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want the secret alone", len(entries))
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := devSecret(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a secret others can read: %v, want a refusal saying what to do", err)
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := devSecret(dir); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("a short secret: %v, want a refusal", err)
	}
}
