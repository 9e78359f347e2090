package server

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parley-hub/parley/rooms"
)

func TestCSVTextNeutralisesFormulasAndCleansText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Amina Diallo", "Amina Diallo"},
		{"civil-society", "civil-society"},
		{"", ""},
		{"=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"},
		{"+SUM(1,2)", "'+SUM(1,2)"},
		{"@SUM(1)", "'@SUM(1)"},
		{"-2+3", "'-2+3"},
		{"   =1+1", "'   =1+1"},
		{"\t=1+1", "' =1+1"},        // a tab is a space, then still a formula
		{"\r\n=1+1", "'  =1+1"},     // likewise a line break
		{"\uFF1D1+1", "'\uFF1D1+1"}, // full-width equals
		{"Jonas\nWeber", "Jonas Weber"},
		{"Mei\x00Tanaka\x1b[31m", "MeiTanaka[31m"},
		{"\x7fdel\u0085nel", "delnel"},
		{"photo\u202Egpj.exe", "photogpj.exe"},
		{"\u2066=1\u2069", "'=1"}, // an isolate hides nothing
		{"a\u200Eb\u200Fc\u061Cd", "abcd"},
		{"line\u2028next", "line next"},
		{"bad \xff\xfe utf-8", "bad \uFFFD\uFFFD utf-8"},
		{"'=already", "'=already"},
		{"São Paulo, Δhaka, 東京, 👩‍💻", "São Paulo, Δhaka, 東京, 👩‍💻"}, // joiners in emoji stay
	} {
		if got := csvText(tc.in); got != tc.want {
			t.Errorf("csvText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestInterventionsCSVNeutralisesEveryTextCell(t *testing.T) {
	const evil = "=HYPERLINK(\"x\")\u202E\n"
	iv := rooms.Intervention{
		Speaker: rooms.Speaker{Sub: evil, Name: evil, Group: "+SUM(1,2)", Region: "@SUM(1)", Gender: "-1+1", Mode: evil, Hub: evil},
		Kind:    evil, AgendaItem: evil, EndedBy: evil, Request: evil, How: evil, ChairReason: evil,
	}
	var out bytes.Buffer
	if err := writeInterventionsCSV(&out, []rooms.Intervention{iv}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %q, %v", rows, err)
	}
	for i, cell := range rows[1] {
		col := interventionColumns[i]
		if i < 4 { // times and figures: ours
			continue
		}
		if !strings.HasPrefix(cell, "'") || strings.ContainsAny(cell, "\u202E\n") {
			t.Errorf("column %s = %q: not neutralised and cleaned", col, cell)
		}
	}
}

func FuzzCSVText(f *testing.F) {
	for _, s := range []string{"=1+1", " @x", "a\u202Eb", "\t-1", "x\r\ny", "\xff=", "\uFF20a", "'+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("csvText(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || isBidiControl(r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("csvText(%q) = %q keeps %U", s, got, r)
			}
		}
		if first, _ := utf8.DecodeRuneInString(strings.TrimLeft(got, " ")); strings.ContainsRune(formulaStarts, first) {
			t.Fatalf("csvText(%q) = %q starts as a formula", s, got)
		}
		if again := csvText(got); again != got {
			t.Fatalf("csvText is not idempotent: %q -> %q -> %q", s, got, again)
		}
		if letters(got) != letters(strings.ToValidUTF8(s, "")) {
			t.Fatalf("csvText(%q) = %q lost or changed text", s, got)
		}
		// Through the CSV writer and back, the cell is what csvText made.
		var out bytes.Buffer
		if err := writeInterventionsCSV(&out, []rooms.Intervention{{Speaker: rooms.Speaker{Name: s}}}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][5] != got {
			t.Fatalf("name %q: rows %q, %v; want the cell %q", s, rows, err, got)
		}
	})
}

// letters keeps s's letters and digits: what a cell must not lose.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}
