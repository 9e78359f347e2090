package media

import "errors"

// Errors the server maps to statuses. Each is wrapped with what was wrong.
var (
	// ErrBadOffer: the offer is not SDP Parley can answer (malformed, no
	// audio, no Opus, a direction that cannot work).
	ErrBadOffer = errors.New("bad offer")
	// ErrContentType: the body is not of the type the endpoint takes.
	ErrContentType = errors.New("unsupported content type")
	// ErrNoSession: no such media session in this room (it may have ended).
	ErrNoSession = errors.New("no such media session")
	// ErrICERestart: the PATCH asks for an ICE restart, which is not
	// supported yet (RFC 9725 §4.3.2: 422); the client starts a new session.
	ErrICERestart = errors.New("ICE restart is not supported")
	// ErrClosed: the media plane is shutting down.
	ErrClosed = errors.New("media plane is shutting down")
)
