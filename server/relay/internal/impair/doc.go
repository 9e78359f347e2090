// Package impair is a poor network link for the relay's tests: a proxy for
// UDP and TCP on 127.0.0.1 through which every datagram, and every chunk a
// TCP connection carries each way, waits a one-way delay, passes a rate
// limit (a token bucket with a bounded queue), and, for UDP, may be lost at
// random, from a seeded generator so a run can be repeated. Cut blackholes
// the link for a while: UDP is dropped and TCP connections are reset or
// stalled. TCP loses nothing: what a real link loses the kernel's TCP
// retransmits, which here is delay only.
//
// A Link is one such link, with one direction up (from the proxies'
// clients to their targets) and one down; every proxy made from it shares
// its rate and its cuts, as traffic over one hub's Internet link does. It
// is bounded: a fixed number of flows and connections, queues of fixed
// size, and a lifetime after which it closes itself if the test did not.
//
// Goroutines: each proxy has an accept or read loop; each UDP flow and
// each TCP connection has a reader and a writer per direction.
//
// Locks: UDP.mu guards a UDP proxy's flows and is taken before Link.mu,
// which guards the cut and what the link closes; pipe.mu (one per
// direction: the token bucket, the generator, the counters) and
// tcpConn.mu (its directions still open) are leaves. No lock is held
// while reading or writing a socket.
package impair
