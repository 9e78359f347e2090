// Package bench is Parley's load tool: it loads a running server's live
// protocol with a room's events (KindWS) or a transcript channel's segments
// (KindTranscript), checks that every one reached every client once and in
// order, and measures how late, with the server's memory and CPU when it
// runs on the same machine. KindMedia loads the media plane instead: one
// Opus feed over WHIP, subscribers over WHEP (through server/media's
// client: only server/media imports pion), the same counts, each packet's
// mouth-to-ear time from the send time stamped in its payload, and the
// server's CPU per packet; in the same run, the same through a `parley
// relay` in front of the server and against a bare pion loop, both child
// processes the run starts.
// `parley bench` fills a Config from its flags, calls Run and prints the
// Report.
//
// Each client is one goroutine that dials on a constant schedule and then
// only reads; the run reads what it recorded once it has joined or ended,
// as client's doc says (a media subscriber's counts once its session is
// closed). The one lock is the progress writer's, which the children's
// output shares with the run; it is a leaf. Otherwise there are only
// atomics and channels.
package bench
