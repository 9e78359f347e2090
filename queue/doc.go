// Package queue decides the order of a speaking queue.
//
// It is pure policy: given the pending requests for the floor, the record of
// who has spoken so far and the room's policy, Order returns the queue with a
// reason a person can read for every position. It does no I/O, keeps no state
// and is deterministic, so every node and every replay of a room's log agree.
package queue
