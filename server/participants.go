package server

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
)

// The secretariat's list of participants: a CSV file with a header row,
// one person a row, read into the claims of their tokens.

// Bounds on one upload.
const (
	maxParticipantsBody = 512 << 10
	maxParticipants     = 2000
)

// participantColumns are the columns a list may have, sub alone required.
var participantColumns = []string{"name", "sub", "group", "region", "gender", "country", "mode", "hub", "role"}

// issuedRoles are the roles a list may give: a list may not make admins.
var issuedRoles = map[string]bool{
	rooms.RoleParticipant: true, rooms.RoleObserver: true, rooms.RoleChair: true,
	rooms.RoleHub: true, rooms.RoleCaptioner: true,
}

// rowError is what is wrong with one line of the list.
type rowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// participant is one row read: its line and its token's claims.
type participant struct {
	line   int
	claims auth.Claims
}

// errBadList marks a list with bad rows; the rows are in the params.
var errBadList = errors.New("the list of participants has errors")

// readParticipants reads a list for room, its categories checked against
// the room's. Every bad row is reported by line, so one upload finds them
// all; a list with any is refused whole.
func readParticipants(r io.Reader, room string, cats rooms.Categories) ([]participant, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, badList([]rowError{{Line: 1, Message: "the file has no header row: " + csvProblem(err)}})
	}
	col := map[string]int{}
	var bad []rowError
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF")))
		switch {
		case !slices.Contains(participantColumns, name):
			bad = append(bad, rowError{Line: 1, Column: name, Message: fmt.Sprintf("unknown column %q: use %s", name, strings.Join(participantColumns, ", "))})
		case col[name] != 0:
			bad = append(bad, rowError{Line: 1, Column: name, Message: "column given twice"})
		default:
			col[name] = i + 1
		}
	}
	if col["sub"] == 0 {
		bad = append(bad, rowError{Line: 1, Column: "sub", Message: "the sub column is required: each person's stable identifier"})
	}
	if len(bad) > 0 {
		return nil, badList(bad)
	}
	var out []participant
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		if err != nil {
			bad = append(bad, rowError{Line: csvLine(err), Message: csvProblem(err)})
			if len(bad) > 100 {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0) // a record read has a field 0
		if len(out) == maxParticipants {
			return nil, badList([]rowError{{Line: line, Message: fmt.Sprintf("more than %d people: split the list", maxParticipants)}})
		}
		get := func(name string) string {
			if i := col[name]; i > 0 && i <= len(rec) {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // a blank line
		}
		c := auth.Claims{
			RegisteredClaims: jwt.RegisteredClaims{Subject: get("sub")},
			Name:             get("name"), Room: room, Role: get("role"), Group: get("group"), Region: get("region"),
			Gender: get("gender"), Country: get("country"), Mode: get("mode"), Hub: get("hub"),
		}
		if c.Role == "" {
			c.Role = rooms.RoleParticipant
		}
		if msg := checkRow(c, seen, line); msg != nil {
			bad = append(bad, *msg)
			continue
		}
		who, err := cats.Admit(rooms.Participant{Group: c.Group, Region: c.Region, Gender: c.Gender, Mode: c.Mode})
		if err != nil {
			bad = append(bad, rowError{Line: line, Message: detail(err, rooms.ErrInvalid)})
			continue
		}
		c.Group, c.Region, c.Gender, c.Mode = who.Group, who.Region, who.Gender, who.Mode
		seen[c.Subject] = line
		out = append(out, participant{line: line, claims: c})
	}
	if len(bad) > 0 {
		return nil, badList(bad)
	}
	if len(out) == 0 {
		return nil, badList([]rowError{{Line: 2, Message: "the list has nobody in it"}})
	}
	return out, nil
}

func checkRow(c auth.Claims, seen map[string]int, line int) *rowError {
	switch {
	case c.Subject == "":
		return &rowError{Line: line, Column: "sub", Message: "sub is empty"}
	case seen[c.Subject] != 0:
		return &rowError{Line: line, Column: "sub", Message: fmt.Sprintf("sub %q is already on line %d", c.Subject, seen[c.Subject])}
	case !issuedRoles[c.Role]:
		return &rowError{Line: line, Column: "role", Message: fmt.Sprintf("role %q: use participant, observer, chair, hub or captioner", c.Role)}
	case c.Role == rooms.RoleHub && c.Hub == "":
		return &rowError{Line: line, Column: "hub", Message: "a hub's coordinator needs the hub column"}
	}
	return nil
}

func badList(rows []rowError) error {
	return &rooms.Refusal{Kind: rooms.ErrInvalid, Reason: "bad_rows", Params: map[string]any{"rows": rows},
		Text: fmt.Sprintf("%s: %d to fix, first on line %d: %s", errBadList, len(rows), rows[0].Line, rows[0].Message)}
}

// csvLine is the line a CSV reader's error is on.
func csvLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

// csvProblem is a CSV reader's error without its position, which the
// row's line says.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
