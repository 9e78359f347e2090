// Package media is Parley's media plane over WebRTC (pion): publishers
// send over WHIP (RFC 9725), receivers take their tracks over WHEP, and the
// floor gates every microphone.
//
// A room's media has audio outputs, each a fanout with one continuous RTP
// stream: the venue feed (the hall, published with a venue token), the
// floor track (whoever holds the floor, published with their own token),
// the program feed (the venue, switched to the floor track while a remote
// speaker holds it) for players that take one audio track, and one feed
// per interpreted language (its interpreter, or the venue while none
// publishes). Video has two outputs per codec: the venue's camera and the
// floor's. A
// publisher's read loop checks the gate per packet and writes each packet
// once per subscriber; pion's NACK responder and RTCP reports stay in the
// write path.
//
// With several nodes a room's media lives on the node its lease names
// (rooms.Leases); offers reaching another are redirected there. A plane
// that is closing claims no lease and redirects each offer to the room's
// holder or to a live node of the registry (rooms.Nodes).
//
// The plane learns who holds the floor only through rooms.Subscribe. The
// server authenticates each request and maps the errors below to
// statuses; this package never imports it.
//
// Lock order: room.announcing (held while recording an interpretation in
// the room's log), then the room service's room lock (held while Applied
// runs), then Plane.leaseMu (held across a lease's release or first
// claim), then Plane.mu, then room.mu, then fanout.mu or a session's
// keyframe throttle. Nothing else here calls into the room service while
// holding any of them.
package media
