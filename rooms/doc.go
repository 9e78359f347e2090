// Package rooms is the room domain: a room is an ordered log of events, its
// state is the fold of those events, and commands are checked against that
// state before they become events. It knows nothing of HTTP, WebSockets,
// WebRTC or Redis; stores of the log live in subpackages named for what they
// depend on.
package rooms
