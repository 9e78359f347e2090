// Package rooms is the room domain: a room is an ordered log of events, its
// state is the fold of those events, and commands are checked against that
// state before they become events. It knows nothing of HTTP, WebSockets,
// WebRTC or Redis; stores of the log live in subpackages named for what they
// depend on.
//
// A node keeps the folded state of the rooms and transcript channels it
// serves in caches that let go of what nobody uses, and follows the logs
// its live clients watch with one reader for all of them.
//
// Lock order: a room's or channel's lock (observers run under it) → the
// transcript channels' cache → the rooms' cache → the follower's lock. A
// cache takes an entry's lock only by TryLock, and no lock is taken while
// one later in the order is held.
package rooms
