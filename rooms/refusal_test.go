package rooms_test

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-hub/parley/frontend"
	"github.com/parley-hub/parley/queue"
	"github.com/parley-hub/parley/rooms"
)

// Refused commands, from validation to the hub's lists, name their reason
// and figures, so pages can word them in their reader's language.
func TestRefusalsNameTheirReason(t *testing.T) {
	r := newRoom(t, queue.Policy{Kind: queue.PolicyFIFO})
	var raised rooms.HubHandRaised
	decode(t, r.do(aminaNbo, cmd(rooms.CmdHubRaiseHand))[0], &raised)
	long := strings.Repeat("x", rooms.MaxNoteLen+1)
	member := func(typ string, m rooms.HubMember) rooms.Command { return rooms.Command{Type: typ, Member: &m} }
	for _, tc := range []struct {
		name   string
		who    rooms.Participant
		cmd    rooms.Command
		kind   error
		reason string
		params map[string]any
	}{
		{"bad kind", amina, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "shout"}, rooms.ErrInvalid, "bad_kind", map[string]any{"kind": "shout"}},
		{"replies_to on a speak request", amina, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "speak", RepliesTo: "r1"}, rooms.ErrInvalid, "replies_to_not_reply", nil},
		{"note too long", amina, rooms.Command{Type: rooms.CmdRaiseHand, Note: long}, rooms.ErrInvalid, "note_too_long", map[string]any{"max": rooms.MaxNoteLen}},
		{"reason too long", chair, rooms.Command{Type: rooms.CmdSkip, Request: "r1", Reason: long}, rooms.ErrInvalid, "reason_too_long", map[string]any{"max": rooms.MaxReasonLen}},
		{"title too long", chair, rooms.Command{Type: rooms.CmdSetAgendaItem, Title: long}, rooms.ErrInvalid, "title_too_long", map[string]any{"max": rooms.MaxTitleLen}},
		{"no title", chair, rooms.Command{Type: rooms.CmdSetAgendaItem, Title: " "}, rooms.ErrInvalid, "title_required", nil},
		{"note not UTF-8", amina, rooms.Command{Type: rooms.CmdRaiseHand, Note: "\xff"}, rooms.ErrInvalid, "field_not_utf8", map[string]any{"field": "note"}},
		{"call without a request", chair, rooms.Command{Type: rooms.CmdCall, Reason: "x"}, rooms.ErrInvalid, "request_required", nil},
		{"skip without a reason", chair, rooms.Command{Type: rooms.CmdSkip, Request: "r1"}, rooms.ErrInvalid, "reason_required", nil},
		{"move to 0", chair, rooms.Command{Type: rooms.CmdMove, Request: "r1", Reason: "x"}, rooms.ErrInvalid, "bad_position", map[string]any{"position": 0}},
		{"extend too far", chair, rooms.Command{Type: rooms.CmdExtend, Seconds: 4000}, rooms.ErrInvalid, "bad_seconds", map[string]any{"max": rooms.MaxTimeLimit}},
		{"time limit 0", chair, rooms.Command{Type: rooms.CmdSetTimeLimit}, rooms.ErrInvalid, "bad_seconds", map[string]any{"max": rooms.MaxTimeLimit}},
		{"no policy", chair, cmd(rooms.CmdSetPolicy), rooms.ErrInvalid, "policy_required", nil},
		{"revoke nothing", chair, cmd(rooms.CmdRevoke), rooms.ErrInvalid, "revoke_target_required", nil},
		{"revoke a sub not UTF-8", chair, rooms.Command{Type: rooms.CmdRevoke, Sub: "\xff"}, rooms.ErrInvalid, "field_not_utf8", map[string]any{"field": "sub"}},
		{"revoke a sub too long", chair, rooms.Command{Type: rooms.CmdRevoke, Sub: strings.Repeat("s", 129)}, rooms.ErrInvalid, "revoke_target_too_long", map[string]any{"max": 128}},
		{"no type", chair, rooms.Command{}, rooms.ErrInvalid, "no_type", nil},
		{"unknown type", chair, cmd("adjourn"), rooms.ErrInvalid, "unknown_command", map[string]any{"command": "adjourn"}},
		{"if_seq ahead", chair, rooms.Command{Type: rooms.CmdCallNext, IfSeq: 99}, rooms.ErrInvalid, "if_seq_ahead", map[string]any{"if_seq": uint64(99)}},
		{"hub list without a hub", carlos, cmd(rooms.CmdHubRaiseHand), rooms.ErrForbidden, "hub_members_only", nil},
		{"twice on the hub list", aminaNbo, cmd(rooms.CmdHubRaiseHand), rooms.ErrState, "already_on_hub_list", map[string]any{"request": raised.Request}},
		{"off a list one is not on", joseph, cmd(rooms.CmdHubWithdraw), rooms.ErrState, "not_on_hub_list", nil},
		{"someone else's hub request", joseph, rooms.Command{Type: rooms.CmdHubWithdraw, Request: raised.Request}, rooms.ErrForbidden, "not_your_hub_request", nil},
		{"another hub forwards", dhaka, rooms.Command{Type: rooms.CmdForward, Request: raised.Request}, rooms.ErrForbidden, "hub_coordinator_only", map[string]any{"hub": "nbo"}},
		{"forward an unknown request", nairobi, rooms.Command{Type: rooms.CmdForward, Request: "h99"}, rooms.ErrNotFound, "not_on_a_hub_list", map[string]any{"request": "h99"}},
		{"a member for call_next", nairobi, member(rooms.CmdCallNext, rooms.HubMember{Sub: "m", Name: "M"}), rooms.ErrInvalid, "member_not_allowed", nil},
		{"a member without a sub", nairobi, member(rooms.CmdHubRaiseHand, rooms.HubMember{Name: "M"}), rooms.ErrInvalid, "member_sub_required", map[string]any{"max": rooms.MaxMemberSubLen}},
		{"a member without a name", nairobi, member(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: "m"}), rooms.ErrInvalid, "member_name_required", map[string]any{"max": rooms.MaxMemberNameLen}},
		{"a member's category too long", nairobi, member(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: "m", Name: "M", Group: long}), rooms.ErrInvalid, "member_category_too_long", map[string]any{"max": rooms.MaxCategoryLen}},
		{"a participant vouches", carlos, member(rooms.CmdHubRaiseHand, rooms.HubMember{Sub: "m", Name: "M"}), rooms.ErrForbidden, "coordinator_only", nil},
	} {
		_, err := r.try(tc.who, tc.cmd)
		var ref *rooms.Refusal
		if !errors.As(err, &ref) || !errors.Is(err, tc.kind) || ref.Reason != tc.reason {
			t.Errorf("%s: err = %v, want a %v refusal for %q", tc.name, err, tc.kind, tc.reason)
			continue
		}
		for k, want := range tc.params {
			if ref.Params[k] != want {
				t.Errorf("%s: params[%s] = %#v, want %#v", tc.name, k, ref.Params[k], want)
			}
		}
	}
	// The list closed, forwarding is refused for the same reason as raising.
	r.do(chair, cmd(rooms.CmdCloseList))
	if _, err := r.try(nairobi, rooms.Command{Type: rooms.CmdForward, Request: raised.Request}); refusalReason(err) != "list_closed" {
		t.Errorf("forward to a closed list: %v, want list_closed", err)
	}
	if _, err := rooms.DecodeCommand([]byte(`{"type":"withdraw"} {}`)); refusalReason(err) != "trailing_data" {
		t.Errorf("trailing data: %v, want trailing_data", err)
	}
	if _, err := rooms.DecodeCommand([]byte("{\"type\":\"\xff\"}")); refusalReason(err) != "body_not_utf8" {
		t.Errorf("bad bytes: %v, want body_not_utf8", err)
	}
}

func refusalReason(err error) string {
	if ref, ok := errors.AsType[*rooms.Refusal](err); ok {
		return ref.Reason
	}
	return ""
}

// decidingFiles refuse commands; every refusal there is a Refusal, except
// where the detail is another package's English (the JSON decoder's, a
// queue policy's), which pages show after their general sentence.
var decidingFiles = []string{"command.go", "decide.go", "hub.go", "revoke.go"}

var englishDetail = []string{"decodeStrict", "badPolicy"}

// Every reason the package refuses with has words in every page language,
// and the files that decide refuse only with reasons.
func TestEveryRefusalReasonHasWords(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{} // reason -> where
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch callee(call) {
				case "refuse", "invalid": // invalid: validate's helpers
					arg := call.Args[0]
					if callee(call) == "refuse" {
						arg = call.Args[1]
					}
					if lit, ok := arg.(*ast.BasicLit); ok {
						reason, _ := strconv.Unquote(lit.Value)
						reasons[reason] = fset.Position(call.Pos()).String()
					}
				case "fmt.Errorf":
					if slices.Contains(decidingFiles, name) && !slices.Contains(englishDetail, fn.Name.Name) && wrapsKind(call) {
						t.Errorf("%s: %s refuses without a reason: use refuse (refusal.go)", fset.Position(call.Pos()), fn.Name.Name)
					}
				}
				return true
			})
		}
	}
	for _, field := range []string{"note", "reason", "title"} {
		reasons[field+"_too_long"] = "validate"
	}
	for _, lang := range []string{"en", "fr", "es", "pt", "ar"} {
		data, err := fs.ReadFile(frontend.Files, "static/i18n/"+lang+".json")
		if err != nil {
			t.Fatal(err)
		}
		var words map[string]any
		if err := json.Unmarshal(data, &words); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		for _, reason := range slices.Sorted(maps.Keys(reasons)) {
			if words["error.reason."+reason] == nil {
				t.Errorf("%s.json has no words for refusal %q (%s)", lang, reason, reasons[reason])
			}
		}
	}
}

func callee(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
	}
	return ""
}

// wrapsKind reports whether an fmt.Errorf wraps one of the kinds a user
// reads as a refusal.
func wrapsKind(call *ast.CallExpr) bool {
	for _, a := range call.Args[1:] {
		if id, ok := a.(*ast.Ident); ok && slices.Contains([]string{"ErrInvalid", "ErrState", "ErrForbidden", "ErrNotFound"}, id.Name) {
			return true
		}
	}
	return false
}
