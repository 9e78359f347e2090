package main

import (
	"context"
	"log/slog"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
)

// node is one running Parley: the room service over a store, its
// transcripts, the live hub, and the server that mounts them. wire is the
// one place where they are built and joined.
type node struct {
	rooms   *rooms.Service
	hub     *live.Hub
	handler *server.Server
}

// wire builds a node over store, its room service tuned by opts, and
// starts its live hub; close it with shutdown.
func wire(store rooms.Store, verifier *auth.Verifier, origins []string, log *slog.Logger, opts ...rooms.Option) *node {
	svc := rooms.NewService(store, log, nil, opts...)
	transcripts := rooms.NewTranscripts(svc, log)
	hub := live.New(live.Config{
		Rooms: svc, Transcripts: transcripts, Log: log,
		Describe: server.ProtocolError, AllowedOrigins: origins,
	})
	hub.Start()
	return &node{
		rooms: svc, hub: hub,
		handler: server.New(server.Parts{Rooms: svc, Transcripts: transcripts, Verifier: verifier, Live: hub, Log: log}),
	}
}

// shutdown ends the node's live connections with "going away" and stops
// its hub, waiting up to ctx.
func (n *node) shutdown(ctx context.Context) { n.hub.Close(ctx) }
