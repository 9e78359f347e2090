package server

import (
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
)

var interventionColumns = []string{
	"start", "end", "duration_s", "overrun_s", "sub", "name", "group", "region",
	"gender", "mode", "hub", "kind", "agenda_item", "ended_by", "request",
}

// writeInterventionsCSV writes the intervention record as CSV, one turn a row.
func writeInterventionsCSV(w io.Writer, list []rooms.Intervention) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(interventionColumns); err != nil {
		return err
	}
	for _, iv := range list {
		err := cw.Write([]string{
			iv.Start.UTC().Format(time.RFC3339), iv.End.UTC().Format(time.RFC3339),
			seconds(iv.DurationS), seconds(iv.OverrunS),
			csvSafe(iv.Sub), csvSafe(iv.Name), iv.Group, iv.Region, iv.Gender, iv.Mode, csvSafe(iv.Hub),
			string(iv.Kind), csvSafe(iv.AgendaItem), iv.EndedBy, iv.Request,
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) }

// csvSafe keeps a spreadsheet from reading a name such as "=HYPERLINK(...)"
// as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func acceptsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" {
			return true
		}
	}
	return false
}
