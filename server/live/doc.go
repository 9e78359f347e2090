// Package live serves the live protocol (docs/protocol.md, messages in
// server/protocol): a Hub fans each room's events and transcript segments
// out to its WebSocket clients, lets them resume by seq, counts presence and
// takes their commands and caption lines. It hands package server a handler
// to mount and never imports it: server authenticates the request, and maps
// errors to statuses and protocol codes for it (Config.Describe).
//
// Goroutines: a Hub runs one loop (presence in one round trip for every
// room, idle caption lines, retiring feeds Config.Linger after their last
// client) from Start until Close. Other nodes' entries reach it through
// the room service's one follower per node (rooms.Service.Follow), which
// each feed holds from its making until it is retired. Each connection has
// one reader goroutine for its whole life and one timer (pings and token
// expiry). Its frames are written by one of GOMAXPROCS shard writers
// (shard.go), which write each message, framed once for everyone
// (message.go), to their clients' sockets as far as these take it without
// waiting: one event's thousands of writes run on every core without
// waking a goroutine per client. What a socket does not take at once goes
// to a writer goroutine of the client's own, which has the connection
// until its queue is empty, each write bounded by Config.WriteWait, and
// which also sends the close frame; one writer at a time (client.writing). The reader takes no message while 64
// answers to the client's own wait to go, holding no lock as it waits.
// A feed's drainer runs only while captured entries wait to be encoded.
//
// Lock order: a room's or channel's lock (package rooms, held while its
// observers run) → Hub.mu → feed.mu → client.mu → shard.mu. A lock is never taken
// while one later in the order is held; Hub.mu is released before a feed's
// lock is taken, except to make or retire a feed (which also takes the
// room service's follower lock, a leaf). A room's history entry lock
// (resumes read the log back under it) is taken under none of them. Encoding happens under none of
// them, except a snapshot or transcript backlog on a cache miss, which
// must be taken at the log's seq and is then shared by every client
// joining at that seq, or sent to every client of a log reloaded after the
// store lost entries (rooms.Observer.Reset): then the feed restarts, its
// replay window and what it had captured dropped, its clients resent. The people's budgets (Config.People) are asked
// under none of these locks.
//
// Personal data: every room message is encoded in two views (rooms.View),
// the chair's and the public one; a reader's own notes come apart in a
// notes message, so nothing is encoded per client.
package live
