// Package relay is `parley relay` for a regional hub: it holds one live
// connection to the main server (resumed by after, with backoff, whatever
// the number of local viewers), keeps a mirror of the room (the snapshot
// folded with every event, a replay window, the transcript channels local
// viewers follow) and serves it to the hub's network with the same live
// protocol (server/protocol), read API and pages (frontend.OnHub). Upstream
// the relay is the hub: the coordinator's commands are the hub token's,
// and for a member holding one of the relay's own tokens the hub vouches
// (rooms.HubMember: the member under the hub's namespace, asking the hub
// for the floor or withdrawing). A member holding the main server's token
// for this hub is checked upstream (GET .../me, remembered until the token
// expires) and sends their own commands with it over HTTP, so upstream
// still sees one live connection. Commands raised while the link is down
// wait in order and go once it is back; viewers are told of the link's
// state with a link message. It never imports package server.
//
// With media, one upstream WHEP session feeds the local viewers: audio,
// and video unless the relay is audio-only, by flag or because the video's
// loss says the link cannot carry it; and a WHIP session carries the hub's
// voice while it holds the floor.
//
// Goroutines: Run keeps the upstream link, with a reader (the link's own
// goroutine) and one sender per connection (the only writer upstream:
// queued commands, transcript requests, pings), a poster sending members'
// own commands over HTTP, and with media the upstream media session
// (runMedia) and the hub's voice (runSpeaker). Each local client has a
// reader (the HTTP handler's goroutine) and a writer.
//
// Locks: Relay.mu guards the mirror, the clients, the link's state, the
// queues of commands, the upstream media's mode and the link's quality; it is a leaf (nothing
// is written to a connection under it: clients' messages go to their
// bounded queues). knownMu (the main server's answers about tokens) and
// speakMu are leaves too, never held with it.
package relay
