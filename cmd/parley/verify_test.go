package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyCommandChecksARecordTheServerSigned runs `parley serve`, which
// makes its record key in the data directory, records a session, and
// checks its bundle with `parley verify`, then the same bundle with one
// byte changed.
func TestVerifyCommandChecksARecordTheServerSigned(t *testing.T) {
	data := t.TempDir()
	srv := start(t, "--data", data)
	info, err := os.Stat(filepath.Join(data, recordKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the record key in the data directory: %v, %v; want it made, mode 0600", info, err)
	}
	chair := mint(t, "plenary", "chair", "chair", "")
	amina := mint(t, "plenary", "participant", "amina", "civil-society")
	srv.mustCall(t, "POST", "/api/v1/rooms", chair, `{"id":"plenary"}`, 201)
	srv.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", amina, `{"type":"raise_hand"}`, 200)
	srv.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`, 200)
	srv.mustCall(t, "POST", "/api/v1/rooms/plenary/commands", chair, `{"type":"close_room"}`, 200)
	bundle := srv.mustCall(t, "GET", "/api/v1/rooms/plenary/record", "", "", 200)
	var key struct{ PEM string }
	if err := json.Unmarshal(srv.mustCall(t, "GET", "/api/v1/record-key", "", "", 200), &key); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	record, keyFile := filepath.Join(dir, "plenary-record.zip"), filepath.Join(dir, "record-key.pem")
	_ = os.WriteFile(keyFile, []byte(key.PEM), 0o600)
	if err := os.WriteFile(record, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI([]string{"verify", "--key", keyFile, record}, nil)
	if err != nil || !strings.Contains(out, "OK: the record verifies") || !strings.Contains(out, "checkpoints: 1") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	// A byte of the compressed event log changed: the archive's checksum
	// catches it before the chain does.
	bundle[len(bundle)/3] ^= 0x20
	_ = os.WriteFile(record, bundle, 0o600)
	out, _, err = runCLI([]string{"verify", record}, nil)
	if err == nil || strings.Contains(out, "OK") {
		t.Fatalf("a changed bundle: verify says %v\n%s", err, out)
	}
	t.Logf("a changed bundle: %v", err)
}
