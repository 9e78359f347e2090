package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/ratelimit"
)

const (
	// replayWindow is how many recent events a room keeps ready for clients
	// resuming after a dropped connection; further back they get a snapshot.
	replayWindow = 1024
	// tickEvery paces the hub's loop: presence counts are sent at most this
	// often, and idle caption lines are finished.
	tickEvery = time.Second
	// snapshotReuse is how long an encoded snapshot serves joining clients
	// when the room has not changed: a join storm encodes it once, not
	// once per client. Clients count down from ends_at, so a floor's
	// elapsed_s a moment old does no harm.
	snapshotReuse = time.Second
	// feedLinger is how long a feed outlives its last client by default:
	// a client reconnecting meanwhile resumes from its replay window.
	feedLinger = 30 * time.Second
)

// ErrShuttingDown refuses a connection while the hub closes.
var ErrShuttingDown = errors.New("the server is shutting down; reconnect shortly")

// Problem is what a client is told about a failed request: a stable code
// and a plain message without internals. Fault marks the server's own
// failure (logged at ERROR), Outage an unavailable dependency (logged at
// WARN); neither is logged otherwise.
type Problem struct {
	Code, Message string
	// Params are the figures a page words the error with.
	Params        map[string]any
	Fault, Outage bool
}

// Config is what a Hub serves and how it reports errors.
type Config struct {
	Rooms       *rooms.Service
	Transcripts *rooms.Transcripts
	Log         *slog.Logger
	// Describe says what a client reads about err and how the server logs
	// it. Package server provides it, as the one place that maps domain
	// errors.
	Describe func(err error) Problem
	// AllowedOrigins are the browser origins, besides the server's own, that
	// may open live connections ("*" for any).
	AllowedOrigins []string
	// Linger is how long a log's feed, and the node's following of the
	// log, outlive its last client (0: 30 s).
	Linger time.Duration
	// WriteWait bounds each write to a client, and the close frame's wait
	// from the moment a client is kicked (0: 10 s): a client whose link
	// takes no bytes for that long is dropped.
	WriteWait time.Duration
	// ResumeBound is how many events behind the log a client may resume
	// and be sent what it missed, read back from the log when the feed's
	// window no longer has it (0: 10,000); further back, a snapshot.
	ResumeBound int
	// People bounds what each person sends and how many connections they
	// hold; share it with package server so HTTP and live draw on one
	// budget. Nil: the hub's own, within the default limits.
	People *ratelimit.People
	// Metrics, if set, is told of connections, commands, refusals and
	// deliveries.
	Metrics Metrics
}

// Session is an authenticated client of one room.
type Session struct {
	Room string
	Who  rooms.Participant
	// Expires is when the client's token expires (zero: never); the
	// connection is closed with 4001 then.
	Expires time.Time
	// Token is the token's id (jti claim, may be empty): a revocation of
	// it, or of Who, closes the connection with 4003.
	Token string
}

// Hub fans every room's events and transcript segments out to its live
// clients. It subscribes to the room service and the transcripts, so every
// entry folded on this node, whoever appended it, reaches the clients once,
// in order.
type Hub struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	upgrader *websocket.Upgrader
	linger   time.Duration
	// writeWait is Config.WriteWait, defaulted.
	writeWait time.Duration
	// resumeBound is Config.ResumeBound, defaulted.
	resumeBound uint64

	// life is the hub's own lifetime, from Start to Close (not a
	// request's): its loop and live commands run under it.
	life   context.Context
	cancel context.CancelFunc
	unsub  []func()
	loops  sync.WaitGroup // the hub's loop
	shards *shards        // the connections' writers, from Start until the last finished
	conns  sync.WaitGroup // tracked connections, until their writer finishes

	mu sync.Mutex
	// feeds are the logs served now, each from its first client until
	// Linger after its last (see retire).
	feeds   map[rooms.LogID]*feed
	clients map[*client]struct{} // every tracked connection
	closed  bool

	// histories are rooms' events read back from the log for resumes.
	histories histories
}

// New returns a hub that serves nothing until Start.
func New(cfg Config) *Hub {
	if cfg.People == nil {
		cfg.People = ratelimit.NewPeople(ratelimit.Limits{})
	}
	return &Hub{
		cfg: cfg, log: cfg.Log, now: time.Now, upgrader: newUpgrader(cfg.AllowedOrigins), linger: cmp.Or(cfg.Linger, feedLinger), writeWait: cmp.Or(cfg.WriteWait, writeWait),
		resumeBound: uint64(cmp.Or(cfg.ResumeBound, resumeBound)),
		feeds:       map[rooms.LogID]*feed{}, clients: map[*client]struct{}{}, histories: histories{m: map[string]*historyEntry{}},
	}
}

// Start subscribes to the rooms and transcripts and starts the hub's loop.
// Call it once, before Serve.
func (h *Hub) Start() {
	h.life, h.cancel = context.WithCancel(context.Background())
	h.shards = startShards()
	h.unsub = []func(){h.cfg.Rooms.Subscribe(roomObserver{h}), h.cfg.Transcripts.Subscribe(transcriptObserver{h})}
	h.loops.Add(1)
	go func() {
		defer h.loops.Done()
		h.loop(h.life)
	}()
}

// Close ends every live connection with "going away", refuses new ones,
// and waits, up to ctx, for the connections and the hub's goroutines to
// finish. http.Server.Shutdown does not do it: it lets go of upgraded
// connections. Closing again does no harm.
func (h *Hub) Close(ctx context.Context) {
	h.close(ctx, protocol.CloseGoingAway, "server shutting down")
}

// Drain is Close for a node that stops while others go on: its clients
// are told, with 4009, to reconnect at once, elsewhere, and resume there
// by `after` (any node resumes any client, see history).
func (h *Hub) Drain(ctx context.Context) {
	h.close(ctx, protocol.CloseDraining, "node draining: reconnect elsewhere")
}

// Refuse has the hub refuse new connections from now on, as Close does,
// while those it has go on: a draining node stops taking clients, and
// fails /readyz, before it lets go of them.
func (h *Hub) Refuse() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
}

func (h *Hub) close(ctx context.Context, code int, reason string) {
	h.mu.Lock()
	h.closed = true
	// Every connection tracked before closed was set is in clients, joined
	// or still joining; every later one is refused. So all are kicked.
	kicked := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		kicked = append(kicked, c)
	}
	// No feed made from now on follows its log (see feed), so releasing
	// these ends the node's following.
	feeds := h.feeds
	h.feeds = map[rooms.LogID]*feed{}
	h.mu.Unlock()
	for _, c := range kicked {
		c.kick(code, reason)
	}
	for _, f := range feeds {
		f.release()
	}
	for _, unsub := range h.unsub {
		unsub()
	}
	if h.cancel != nil {
		h.cancel()
	}
	done := make(chan struct{})
	go func() {
		h.conns.Wait()
		if h.shards != nil {
			h.shards.stop()
		}
		h.loops.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Serve takes a client of the live protocol. It returns an error, without
// answering, when it refuses the request before the upgrade (the caller
// maps it: unknown room, bad after, shutting down, refused handshake);
// once upgraded the connection lives on in its own goroutine and Serve
// returns nil.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, s Session) error {
	after, resume, err := afterParam(r)
	if err != nil {
		return err
	}
	if err := h.cfg.Rooms.View(r.Context(), s.Room, func(*rooms.State) {}); err != nil {
		return err
	}
	if !h.Accepting() {
		return ErrShuttingDown
	}
	// Opening a connection is a message like any other, so reconnecting in
	// a loop is bounded too.
	if !h.cfg.People.Allow(s.Who.Sub, time.Now()) {
		h.rateLimited()
		return ratelimit.ErrRateLimited
	}
	if !h.cfg.People.Connect(s.Who.Sub, time.Now()) {
		return fmt.Errorf("%w (%d open)", ratelimit.ErrTooManyConnections, h.cfg.People.MaxConns())
	}
	conn, err := h.upgrade(w, r)
	if err != nil {
		h.cfg.People.Disconnect(s.Who.Sub)
		var refused *HandshakeError
		if errors.As(err, &refused) {
			return err
		}
		h.log.Warn("live upgrade failed", "room", s.Room, "err", err)
		return nil // the connection is gone; there is nobody to answer
	}
	c := newClient(h, conn, s)
	if !h.track(c) {
		h.cfg.People.Disconnect(s.Who.Sub)
		c.refuse(protocol.CloseGoingAway, "server shutting down")
		return nil
	}
	if err := h.join(r.Context(), c, after, resume); errors.Is(err, rooms.ErrRevoked) {
		// revoked between the handshake's read of the room and the join's
		c.kick(protocol.CloseTokenRevoked, "token revoked")
	} else if err != nil {
		c.logger().Warn("live join failed", "err", err)
		c.kick(protocol.CloseRoomGone, "room unavailable")
	} else {
		c.startTimer()
	}
	// The handler returns and net/http lets go of the request; the
	// connection lives on in its reader, so an idle client costs one
	// goroutine and its buffers.
	go c.read(h.life)
	return nil
}

func afterParam(r *http.Request) (after uint64, given bool, err error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return 0, false, nil
	}
	after, err = strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%w: after must be a whole number, not %q", rooms.ErrInvalid, v)
	}
	return after, true, nil
}

// Accepting reports whether the hub takes new connections: false from
// the start of Close or Drain, so /readyz fails at once.
func (h *Hub) Accepting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.closed
}

// track counts a connection that Close must kick and wait for, unless the
// hub is closed already. Counting under the lock orders every Add before
// Close's Wait, and every tracked client into Close's list.
func (h *Hub) track(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	h.conns.Add(1)
	h.connected(c, 1)
	return true
}

// untrack forgets a connection whose writer has finished; its person may
// open another.
func (h *Hub) untrack(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.cfg.People.Disconnect(c.who.Sub)
	h.connected(c, -1)
	h.conns.Done()
}

// loop sends presence, finishes idle caption lines and retires unused
// feeds until ctx is done.
func (h *Hub) loop(ctx context.Context) {
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			h.sendPresence(ctx)
			h.cfg.Transcripts.FinishIdle(ctx)
			h.retire(h.now())
			h.histories.forget(h.now(), h.linger)
		}
	}
}

func (h *Hub) existingFeed(id rooms.LogID) *feed {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.feeds[id]
}

// sendPresence shares this node's presence counts of every room with the
// other nodes, in one round trip, and sends each room's clients the sum if
// it changed. Run once per tick, a join storm is one message, not
// thousands.
func (h *Hub) sendPresence(ctx context.Context) {
	h.mu.Lock()
	feeds := make([]*feed, 0, len(h.feeds))
	for id, f := range h.feeds {
		if id.Channel == "" {
			feeds = append(feeds, f)
		}
	}
	h.mu.Unlock()
	if len(feeds) == 0 {
		return
	}
	local := make(map[string]rooms.Presence, len(feeds))
	for _, f := range feeds {
		local[f.id.Room] = f.localPresence()
	}
	all, err := h.cfg.Rooms.SharePresence(ctx, local)
	if err != nil {
		h.log.Warn("sharing presence failed; counting this node only", "rooms", len(local), "err", err)
	}
	for _, f := range feeds {
		f.sendPresence(all[f.id.Room])
	}
}

// leave unregisters c from its room and its transcript channels.
func (h *Hub) leave(c *client) {
	for _, f := range c.followed() {
		f.remove(c)
	}
	if f := h.existingFeed(rooms.RoomLog(c.room)); f != nil {
		f.remove(c)
	}
}

// Clients is how many connections the hub tracks now.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}
