package rooms

import "errors"

// Errors a caller can tell apart with errors.Is. The server maps them to
// statuses; their wrapped messages say what exactly was wrong.
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
)
