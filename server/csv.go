package server

import (
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-hub/parley/rooms"
)

var interventionColumns = []string{
	"start", "end", "duration_s", "overrun_s", "sub", "name", "group", "region",
	"gender", "mode", "hub", "kind", "agenda_item", "ended_by", "request", "how", "chair_reason",
}

// writeInterventionsCSV writes the intervention record as CSV, one turn a
// row. Every text cell comes from tokens, room specs or commands, so each
// goes through csvText.
func writeInterventionsCSV(w io.Writer, list []rooms.Intervention) error {
	rows := make([][]string, 0, len(list))
	for _, iv := range list {
		row := []string{
			iv.Start.UTC().Format(time.RFC3339), iv.End.UTC().Format(time.RFC3339),
			seconds(iv.DurationS), seconds(iv.OverrunS),
		}
		for _, text := range []string{
			iv.Sub, iv.Name, iv.Group, iv.Region, iv.Gender, iv.Mode, iv.Hub,
			string(iv.Kind), iv.AgendaItem, iv.EndedBy, iv.Request, iv.How, iv.ChairReason,
		} {
			row = append(row, csvText(text))
		}
		rows = append(rows, row)
	}
	return writeCSV(w, interventionColumns, rows)
}

// writeCSV writes a header and rows whose text cells the caller has made
// safe (csvText).
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, row := range rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) }

// csvText makes s a cell a spreadsheet shows as the text it is. Control
// characters go (line breaks and tabs become spaces) and so do the bidi
// controls that make a cell read otherwise than it is written (U+202E
// turns "gpj.exe" into "exe.jpg"); invalid UTF-8 becomes U+FFFD. Then a
// cell that starts, after any spaces, as a formula would ("=HYPERLINK(...)",
// "+SUM(1,2)", "@SUM(1)", "-1+1", their full-width forms too) is quoted
// with a leading apostrophe, which spreadsheets take as "this is text".
func csvText(s string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			return ' '
		case unicode.IsControl(r) || isBidiControl(r):
			return -1
		}
		return r
	}, s)
	if first, _ := utf8.DecodeRuneInString(strings.TrimLeft(clean, " ")); strings.ContainsRune(formulaStarts, first) {
		return "'" + clean
	}
	return clean
}

// formulaStarts are the characters with which a spreadsheet cell is a
// formula, in ASCII and full width.
const formulaStarts = "=+-@\uFF1D\uFF0B\uFF0D\uFF20"

// isBidiControl reports the explicit directional formatting characters:
// marks, embeddings, overrides and isolates.
func isBidiControl(r rune) bool {
	return r == '\u061C' || r == '\u200E' || r == '\u200F' || ('\u202A' <= r && r <= '\u202E') || ('\u2066' <= r && r <= '\u2069')
}

func acceptsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" {
			return true
		}
	}
	return false
}
