package rooms

import "errors"

// Errors a caller can tell apart with errors.Is. The server maps them to
// statuses and codes.
//
// What a user reads is written where the error arises, as
// fmt.Errorf("%w: the floor is already free", ErrState): the text after
// the Err value is the plain message. Whatever callers wrap around it on
// the way up (the room, the command, the store) is for the logs only.
var (
	// ErrConflict: the log moved on since the command was checked.
	ErrConflict = errors.New("log has moved on")
	// ErrNotFound: no such room (or request, or record).
	ErrNotFound = errors.New("not found")
	// ErrExists: the room already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid: the command or its fields are malformed.
	ErrInvalid = errors.New("invalid")
	// ErrForbidden: the actor's role does not allow this command.
	ErrForbidden = errors.New("forbidden")
	// ErrState: the command does not fit the room's current state.
	ErrState = errors.New("not possible now")
	// ErrStale: the command was given against a state (its if_seq) that
	// has changed since where it matters.
	ErrStale = errors.New("stale")
	// ErrRoomLimit: the server holds as many rooms as it may.
	ErrRoomLimit = errors.New("room limit reached")
	// ErrRevoked: the token the request carries, or its holder, is on the
	// room's revocation list (WithHolder).
	ErrRevoked = errors.New("token revoked")

	// ErrUnavailable: the store does not answer, or answers that it cannot
	// serve now (Redis down, loading or out of memory; a disk that failed a
	// write). Nothing was decided; the same request may succeed later.
	ErrUnavailable = errors.New("the store is unavailable")
	// ErrRoomUnavailable: this room's log cannot be served (its journal is
	// damaged and set aside) while the other rooms serve. Its message says
	// why; it lasts until an operator repairs the log.
	ErrRoomUnavailable = errors.New("room unavailable")
	// ErrLost: the store holds fewer events of a log than this node had
	// folded in (a Redis restarted empty, a journal restored from an older
	// backup). The node has dropped its copy; the next request reloads
	// the log from what the store has.
	ErrLost = errors.New("the store has lost events")
)
