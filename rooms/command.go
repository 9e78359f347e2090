package rooms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/parley-hub/parley/queue"
)

// Command types.
const (
	CmdRaiseHand     = "raise_hand"
	CmdWithdraw      = "withdraw"
	CmdCallNext      = "call_next"
	CmdCall          = "call"
	CmdMove          = "move"
	CmdSkip          = "skip"
	CmdRemove        = "remove"
	CmdRelease       = "release"
	CmdPause         = "pause"
	CmdResume        = "resume"
	CmdExtend        = "extend"
	CmdSetTimeLimit  = "set_time_limit"
	CmdSetPolicy     = "set_policy"
	CmdCloseList     = "close_list"
	CmdOpenList      = "open_list"
	CmdSetAgendaItem = "set_agenda_item"
	CmdCloseRoom     = "close_room"
)

// Limits on what a command may carry.
const (
	MaxNoteLen   = 280
	MaxReasonLen = 280
	MaxTitleLen  = 200
	// MaxTimeLimit bounds set_time_limit and extend so a typo cannot hand
	// someone the floor for a day.
	MaxTimeLimit = 3600
)

// DefaultExtendSeconds is what "extend" adds when the chair gives no figure.
const DefaultExtendSeconds = 30

// Command is one request to change a room, as clients send it. Which fields
// matter depends on Type. IfSeq, when not 0, is the seq of the room state the
// sender's screen showed: a floor command is refused as stale if the floor
// changed after it, a queue command if its request did.
type Command struct {
	Type     string        `json:"type"`
	IfSeq    uint64        `json:"if_seq,omitempty"`
	Kind     string        `json:"kind,omitempty"`
	Note     string        `json:"note,omitempty"`
	Request  string        `json:"request,omitempty"`
	Position int           `json:"position,omitempty"`
	Reason   string        `json:"reason,omitempty"`
	Seconds  float64       `json:"seconds,omitempty"`
	Policy   *queue.Policy `json:"policy,omitempty"`
	Title    string        `json:"title,omitempty"`
	// FromNow, for extend, gives the speaker Seconds from now, however
	// far they have overrun.
	FromNow bool `json:"from_now,omitempty"`
	// RepliesTo, for a reply, is the request of the intervention it
	// answers; empty means the turn in progress.
	RepliesTo string `json:"replies_to,omitempty"`
	// Undoes, for undo, is the seq of the action the sender saw as the
	// last; 0 undoes whatever is last.
	Undoes uint64 `json:"undoes,omitempty"`
	// Member, from a hub's coordinator, is the member of its hub the
	// command is for (hub.go).
	Member *HubMember `json:"member,omitempty"`
	// Token and Sub name what revoke revokes: a token's id, or a person.
	Token string `json:"token,omitempty"`
	Sub   string `json:"sub,omitempty"`
}

// DecodeCommand parses one JSON command strictly: bytes that are not UTF-8,
// unknown fields, wrong field types and trailing data are errors wrapping
// ErrInvalid that name the problem.
func DecodeCommand(data []byte) (Command, error) {
	var c Command
	if err := decodeStrict(data, &c); err != nil {
		return Command{}, err
	}
	return c, c.validate()
}

// decodeStrict unmarshals one JSON value into v, rejecting unknown fields and
// trailing data, with errors a person can act on.
func decodeStrict(data []byte, v any) error {
	// encoding/json would quietly turn bad bytes into U+FFFD.
	if !utf8.Valid(data) {
		at := invalidAt(data)
		return refuse(ErrInvalid, "body_not_utf8", map[string]any{"at": at}, fmt.Sprintf("the body is not valid UTF-8 (at byte %d)", at))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalid, describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return refuse(ErrInvalid, "trailing_data", nil, "unexpected data after the JSON object")
	}
	return nil
}

// invalidAt is the offset of the first byte of data that is not UTF-8.
func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q must be a %s, not a %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.EOF):
		return "empty body: send one JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: the object is cut short"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "malformed JSON: " + err.Error()
}

// validate checks the fields each command needs, independent of room state.
// Each refusal names its reason and figures (refusal.go) for pages to word.
func (c Command) validate() error {
	invalid := func(reason string, params map[string]any, format string, args ...any) error {
		return refuse(ErrInvalid, reason, params, c.Type+": "+fmt.Sprintf(format, args...))
	}
	for name, s := range map[string]string{"note": c.Note, "reason": c.Reason, "title": c.Title, "request": c.Request, "replies_to": c.RepliesTo} {
		if !utf8.ValidString(s) {
			return invalid("field_not_utf8", map[string]any{"field": name}, "%s is not valid UTF-8", name)
		}
	}
	if err := c.validateMember(); err != nil {
		return err
	}
	for _, f := range []struct {
		name, text string
		max        int
	}{{"note", c.Note, MaxNoteLen}, {"reason", c.Reason, MaxReasonLen}, {"title", c.Title, MaxTitleLen}} {
		if n := utf8.RuneCountInString(f.text); n > f.max {
			return invalid(f.name+"_too_long", map[string]any{"max": f.max, "length": n}, "%s is longer than %d characters", f.name, f.max)
		}
	}
	switch c.Type {
	case CmdRaiseHand, CmdHubRaiseHand:
		switch queue.RequestKind(c.Kind) {
		case "", queue.KindSpeak, queue.KindPointOfOrder, queue.KindReply:
		default:
			return invalid("bad_kind", map[string]any{"kind": c.Kind}, "kind %q is not speak, point_of_order or reply", c.Kind)
		}
		if c.RepliesTo != "" && queue.RequestKind(c.Kind) != queue.KindReply {
			return invalid("replies_to_not_reply", nil, "replies_to is for a reply only")
		}
	case CmdWithdraw, CmdCallNext, CmdRelease, CmdPause, CmdResume, CmdCloseList, CmdOpenList, CmdCloseRoom, CmdUndo:
	case CmdHubWithdraw:
	case CmdForward:
		if c.Request == "" {
			return invalid("request_required", nil, "request is required: the hub list request to forward")
		}
	case CmdCall, CmdSkip, CmdRemove, CmdMove:
		if c.Request == "" {
			return invalid("request_required", nil, "request is required")
		}
		if c.Type == CmdMove && c.Position < 1 {
			return invalid("bad_position", map[string]any{"position": c.Position}, "position must be 1 or more (1 is the head of the queue)")
		}
		if strings.TrimSpace(c.Reason) == "" {
			return invalid("reason_required", nil, "reason is required: say why, it goes in the record")
		}
	case CmdExtend, CmdSetWarning, CmdSetTimeLimit:
		// extend's 0 means its default; from_now needs a figure.
		low := 1.0
		if c.Type == CmdExtend && !c.FromNow {
			low = 0
		}
		if c.Seconds < low || c.Seconds > MaxTimeLimit {
			return invalid("bad_seconds", map[string]any{"seconds": c.Seconds, "max": MaxTimeLimit}, "seconds must be between 1 and %d", MaxTimeLimit)
		}
	case CmdSetPolicy:
		if c.Policy == nil {
			return invalid("policy_required", nil, "policy is required")
		}
		if _, err := c.Policy.Normalize(); err != nil {
			return badPolicy(c.Type, err)
		}
	case CmdRevoke:
		return validRevoke(c)
	case CmdSetAgendaItem:
		if strings.TrimSpace(c.Title) == "" {
			return invalid("title_required", nil, "title is required")
		}
	case "":
		return refuse(ErrInvalid, "no_type", nil, "command has no type")
	default:
		return unknownCommand(c.Type)
	}
	return nil
}

// badPolicy refuses a policy that does not normalize. What is wrong is
// the queue package's English, which pages show after their general
// sentence, as they do the JSON decoder's: neither is a Refusal.
func badPolicy(command string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrInvalid, command, err)
}

func unknownCommand(command string) error {
	return refuse(ErrInvalid, "unknown_command", map[string]any{"command": command}, fmt.Sprintf("unknown command type %q", command))
}
