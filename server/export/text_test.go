package export_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-hub/parley/server/export"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestWriteText compares the plain-text record with testdata/plenary.txt;
// run with -update after a deliberate change and review the diff.
func TestWriteText(t *testing.T) {
	var out strings.Builder
	if err := export.WriteText(&out, "NETmundial: opening plenary", "floor", sessionStart, plenary()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plenary.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("text record differs from %s:\n%s", golden, out.String())
	}
}

// A title or name cannot add lines of its own to the record.
func TestWriteTextOneLineHeader(t *testing.T) {
	var out strings.Builder
	if err := export.WriteText(&out, "Plenary\n[00:00:00] Forged:", "en", sessionStart, nil); err != nil {
		t.Fatal(err)
	}
	want := "Transcript: Plenary [00:00:00] Forged:\nLanguage: en\nSession start: 2014-04-23 12:00:00 UTC\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
