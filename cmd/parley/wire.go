package main

import (
	"context"
	"log/slog"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/metrics"
	"github.com/parley-hub/parley/server/ratelimit"
)

// node is one running Parley: the room service over a store, its
// transcripts, the live hub, the media plane, and the server that mounts
// them. wire is the one place where they are built and joined.
type node struct {
	rooms   *rooms.Service
	hub     *live.Hub
	media   *media.Plane
	handler *server.Server
	log     *slog.Logger
}

// wire builds a node over store, its room service tuned by opts, and
// starts its live hub and its media plane (mediaCfg, whose rooms and log
// wire fills in); close it with shutdown. The server and the hub share one
// budget per person, within limits. With m, every part feeds its series.
func wire(store rooms.Store, verifier *auth.Verifier, origins []string, limits ratelimit.Limits, mediaCfg media.Config, m *metrics.Metrics, log *slog.Logger, opts ...rooms.Option) (*node, error) {
	if m != nil {
		store = m.Store(store)
	}
	nodes, _ := store.(rooms.Nodes)
	svc := rooms.NewService(store, log, nil, opts...)
	mediaCfg.Rooms, mediaCfg.Log = svc, log
	if leases, ok := store.(rooms.Leases); ok && mediaCfg.Node != "" {
		// Several nodes: each room's media on the one its lease names, and
		// a draining node's offers sent to a live one.
		mediaCfg.Leases, mediaCfg.Nodes = leases, nodes
	}
	plane, err := media.New(mediaCfg)
	if err != nil {
		return nil, err
	}
	transcripts := rooms.NewTranscripts(svc, log)
	people := ratelimit.NewPeople(limits)
	liveCfg := live.Config{
		Rooms: svc, Transcripts: transcripts, Log: log,
		Describe: server.ProtocolError, AllowedOrigins: origins, People: people,
	}
	parts := server.Parts{Rooms: svc, Transcripts: transcripts, Verifier: verifier, Media: plane, People: people, AllowedOrigins: origins, Log: log}
	if m != nil {
		// Counted for as long as the process runs, as the service is.
		svc.Subscribe(m.Events())
		m.WatchRooms(svc)
		m.WatchMedia(func() metrics.MediaCounts { return metrics.MediaCounts(plane.Stats()) })
		liveCfg.Metrics, parts.Metrics = m, m
	}
	hub := live.New(liveCfg)
	parts.Live = hub
	hub.Start()
	plane.Start()
	return &node{rooms: svc, hub: hub, media: plane, log: log, handler: server.New(parts)}, nil
}

// shutdown drains the node, waiting up to ctx: /readyz fails and new
// live connections are refused at once; the media plane withdraws the
// node from the registry of live nodes, so no other draining node sends
// offers here, and from then on sends this node's offers to the rooms'
// holders or other live nodes (503 when there are none); it releases the
// rooms' leases for another node to take and ends its sessions; then the
// live clients are told to reconnect elsewhere (4009), where they resume
// by seq.
func (n *node) shutdown(ctx context.Context) {
	n.hub.Refuse()
	if err := n.media.Close(ctx); err != nil {
		n.log.WarnContext(ctx, "media sessions still closing at shutdown", "err", err)
	}
	n.hub.Drain(ctx)
}
