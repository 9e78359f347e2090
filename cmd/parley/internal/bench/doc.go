// Package bench is Parley's load tool: it loads a running server's live
// protocol with a room's events (KindWS) or a transcript channel's segments
// (KindTranscript), checks that every one reached every client once and in
// order, and measures how late, with the server's memory and CPU when it
// runs on the same machine. KindMedia loads the media plane instead: one
// Opus feed over WHIP, subscribers over WHEP (through server/media's
// client: only server/media imports pion), the same counts, and the
// server's CPU per packet beside a bare pion loop's in the same run.
// `parley bench` fills a Config from its flags, calls Run and prints the
// Report.
//
// Each client is one goroutine that dials on a constant schedule and then
// only reads; the run reads what it recorded once it has joined or ended,
// as client's doc says (a media subscriber's counts once its session is
// closed). There are no locks, only atomics and channels.
package bench
