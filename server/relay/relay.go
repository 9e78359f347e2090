package relay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/ratelimit"
)

const (
	// maxQueued bounds the commands waiting for the link: past it a local
	// command is refused rather than kept for a link that may not return.
	maxQueued = 64
	// pingEvery and readWait find a dead upstream link: the relay pings
	// upstream and gives up on a link silent for readWait.
	pingEvery = 5 * time.Second
	readWait  = 15 * time.Second
	// minBackoff and DefaultMaxBackoff pace reconnects after a drop.
	minBackoff        = 100 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
	// CodeLinkLost answers a command sent upstream whose answer was lost
	// with the link: it is not sent again (commands go at most once).
	CodeLinkLost = "link_lost"
)

// ErrBadToken is a hub token the relay cannot read a room from.
var ErrBadToken = errors.New("relay: the hub token names no room")

// Config is what a Relay relays.
type Config struct {
	// Upstream is the main server's base URL (https://main.example).
	Upstream string
	// Token is the hub's token for the main server; it names the room.
	Token string
	// Local verifies the tokens of the hub's own members.
	Local *auth.Verifier
	Log   *slog.Logger
	// MaxBackoff bounds the wait between reconnects (0: 5 s).
	MaxBackoff time.Duration
	// Media, when set, relays the plenary's audio too.
	Media *Media
}

// Relay is one room relayed to a hub's network.
type Relay struct {
	cfg    Config
	people *ratelimit.People // local members' budgets
	room   string
	// hub is the hub upstream takes the relay to be.
	hub rooms.Participant
	// hubVoice is the microphone upstream takes the relay's to be: the
	// hub's (rooms.Participant.Voice), heard while the hub or a member it
	// forwarded holds the floor.
	hubVoice string
	ws       string // upstream's live URL
	log      *slog.Logger

	mu      sync.Mutex
	m       mirror
	clients map[*client]struct{}
	up      bool
	since   time.Time
	offset  time.Duration // upstream's clock minus ours
	langs   map[string]bool
	outbox  []outgoing
	pending map[string]outgoing // sent upstream, waiting for their answer
	// posts are members' own commands, for upstream over HTTP.
	posts    []outgoing
	nextID   uint64
	wake     chan struct{}
	postWake chan struct{}
	// conns counts upstream connections made, for tests and figures.
	conns int
	holds bool // the hub holds the floor, as the mirror has it
	// videoMode decides whether the upstream media session carries video.
	videoMode videoChoice
	// upMedia is the live upstream media session, nil between sessions.
	upMedia atomic.Pointer[upstream]
	quality quality

	// known are the main server's tokens of members, as it answered
	// about them; knownMu is a leaf.
	knownMu sync.Mutex
	known   map[[32]byte]known

	speakMu    sync.Mutex
	speak      speaker
	micPackets atomic.Uint64
	// liveBytes and mediaBytes count what came down the link: the live
	// protocol's messages and the RTP packets (headers of 12 bytes).
	liveBytes, mediaBytes atomic.Uint64
}

// outgoing is a message for upstream; a command remembers whose it is,
// and a member's own command their main-server token.
type outgoing struct {
	msg     []byte
	from    *client
	localID string
	token   string
}

// New checks cfg and returns a relay that does nothing until Run.
func New(cfg Config) (*Relay, error) {
	var claims auth.Claims
	// The main server verifies the token; the relay only reads its room.
	if _, _, err := jwt.NewParser().ParseUnverified(cfg.Token, &claims); err != nil || claims.Room == "" || claims.Room == auth.AnyRoom {
		return nil, fmt.Errorf("%w (%v)", ErrBadToken, err)
	}
	u, err := url.Parse(strings.TrimSuffix(cfg.Upstream, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("relay: upstream %q is not an http(s) URL", cfg.Upstream)
	}
	http := u.String()
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += "/api/v1/rooms/" + url.PathEscape(claims.Room) + "/ws"
	cfg.Upstream = http
	cfg.MaxBackoff = cmp.Or(cfg.MaxBackoff, DefaultMaxBackoff)
	r := &Relay{
		cfg: cfg, people: ratelimit.NewPeople(ratelimit.Limits{}), room: claims.Room, hub: claims.Participant(), hubVoice: claims.Participant().Voice(), known: map[[32]byte]known{}, speak: speaker{floor: make(chan bool, 1)}, ws: u.String(), log: cfg.Log.With("room", claims.Room),
		m: newMirror(), clients: map[*client]struct{}{}, since: time.Now(), langs: map[string]bool{},
		pending: map[string]outgoing{}, wake: make(chan struct{}, 1), postWake: make(chan struct{}, 1),
	}
	if cfg.Media != nil {
		r.videoMode = newVideoChoice(cfg.Media.AudioOnly, time.Now())
		cfg.Media.Feed.OnKeyframe(r.keyframe)
	}
	return r, nil
}

// Room is the room relayed.
func (r *Relay) Room() string { return r.room }

// Status is the link's state.
type Status struct {
	Up    bool      `json:"up"`
	Since time.Time `json:"since"`
	// Seq is the last event the relay has of the room.
	Seq    uint64 `json:"seq"`
	Queued int    `json:"queued"`
	// Connections is how many upstream connections the relay has made.
	Connections int `json:"connections"`
	// Speaking says the hub's voice goes upstream now; MicPackets counts
	// the packets of its microphone the relay has had.
	Speaking   bool   `json:"speaking"`
	MicPackets uint64 `json:"mic_packets"`
	// LiveBytes and MediaBytes are what the relay has received from
	// upstream: live messages, and RTP (payloads and 12-byte headers).
	LiveBytes  uint64 `json:"live_bytes"`
	MediaBytes uint64 `json:"media_bytes"`
	// Media is what the upstream media session carries and why, for a
	// relay with media.
	Media *MediaStatus `json:"media,omitempty"`
	// UpstreamLink is the link's round trip, and the plenary audio's loss
	// and jitter as the relay receives it.
	UpstreamLink LinkQuality `json:"upstream_link"`
}

// Status says how the link is.
func (r *Relay) Status() Status {
	r.speakMu.Lock()
	speaking := r.speak.pub != nil
	r.speakMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	return Status{Up: r.up, Since: r.since, Seq: r.m.seq, Queued: r.queued(), Connections: r.conns, Speaking: speaking, MicPackets: r.micPackets.Load(),
		LiveBytes: r.liveBytes.Load(), MediaBytes: r.mediaBytes.Load(), Media: r.mediaStatus(),
		UpstreamLink: r.quality.status(),
	}
}

// Run keeps the upstream link, and the upstream media session if the relay
// has media, until ctx is done, reconnecting with backoff after every
// drop, and then closes the local clients.
func (r *Relay) Run(ctx context.Context) {
	defer r.closeClients()
	var posts sync.WaitGroup
	posts.Go(func() { r.runPosts(ctx) })
	defer posts.Wait()
	if r.cfg.Media != nil {
		var media sync.WaitGroup
		media.Go(func() { r.runMedia(ctx) })
		media.Go(func() { r.runSpeaker(ctx) })
		defer media.Wait()
	}
	backoff := minBackoff
	for ctx.Err() == nil {
		welcomed, err := r.connect(ctx)
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("relay: upstream link down", "err", err)
		if welcomed {
			backoff = minBackoff
		}
		if websocket.IsCloseError(err, protocol.CloseDraining) {
			continue // another node takes the link at once and resumes it
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
}

// connect holds one upstream connection until it drops; welcomed says it
// got as far as upstream's welcome.
func (r *Relay) connect(ctx context.Context) (welcomed bool, err error) {
	r.mu.Lock()
	target := r.ws
	if r.m.ready() {
		target += fmt.Sprintf("?after=%d", r.m.seq)
	}
	r.conns++
	r.mu.Unlock()
	header := map[string][]string{"Authorization": {"Bearer " + r.cfg.Token}}
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, target, header)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
		}
		return false, err
	}
	defer ws.Close()
	ws.SetReadLimit(8 << 20)
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	ws.SetReadDeadline(time.Now().Add(readWait))
	var first upMessage
	if err := readUp(ws, &first); err != nil {
		return false, err
	}
	if first.Type != protocol.TypeWelcome {
		return false, fmt.Errorf("upstream's first message is %q, not welcome", first.Type)
	}
	r.linkUp(first.ServerTime)
	done := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		r.send(ws, done)
	}()
	err = r.read(ws)
	// The sender takes nothing more from the queue: what it took and wrote
	// has gone, or may have.
	r.mu.Lock()
	r.up = false
	r.mu.Unlock()
	close(done)
	ws.Close()
	<-sent
	r.linkDown()
	return true, err
}

// linkUp marks the link up, puts the transcript channels followed first in
// the queue for upstream, and tells the local clients.
func (r *Relay) linkUp(serverTime time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.up, r.since = true, time.Now()
	r.offset = serverTime.Sub(r.since)
	if len(r.langs) > 0 {
		r.outbox = append([]outgoing{{msg: r.transcriptRequest()}}, r.outbox...)
	}
	r.poke()
	r.broadcast(r.linkMessage())
}

// linkDown marks the link down: what was sent and not answered is lost
// with it, and its senders are told so.
func (r *Relay) linkDown() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.up, r.since = false, time.Now()
	r.quality.linkDown()
	for id, o := range r.pending {
		delete(r.pending, id)
		if o.from != nil {
			o.from.send(mustJSON(lostAnswer(o.localID)))
		}
	}
	r.broadcast(r.linkMessage())
}

// lostAnswer answers a command whose answer was lost with the link.
func lostAnswer(id string) protocol.Error {
	return protocol.Error{
		Type: protocol.TypeError, ID: id, Code: CodeLinkLost,
		Message: "the link to the main server dropped before it answered; the command may or may not have been applied: check the queue before sending it again",
	}
}

// linkMessage is the link's state for local clients. The caller holds r.mu.
func (r *Relay) linkMessage() []byte {
	return mustJSON(protocol.Link{Type: protocol.TypeLink, Up: r.up, Since: r.since, Queued: r.queued()})
}

// queued is how many commands wait for upstream. The caller holds r.mu.
func (r *Relay) queued() int {
	return len(r.outbox) + len(r.posts)
}

// transcriptRequest follows every language local clients follow, from
// where the mirror left off. The caller holds r.mu.
func (r *Relay) transcriptRequest() []byte {
	msg := protocol.ClientMessage{Type: protocol.TypeTranscript, ID: r.newID(), After: map[string]uint64{}}
	for lang := range r.langs {
		msg.Langs = append(msg.Langs, lang)
		if c := r.m.chans[lang]; c != nil && c.seq > 0 {
			msg.After[lang] = c.seq
		}
	}
	return mustJSON(msg)
}

// newID names a message for upstream. The caller holds r.mu.
func (r *Relay) newID() string {
	r.nextID++
	return fmt.Sprintf("relay-%d", r.nextID)
}

// poke wakes the senders. The caller holds r.mu.
func (r *Relay) poke() {
	for _, wake := range []chan struct{}{r.wake, r.postWake} {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// enqueue queues a message for upstream: on the live connection, or
// over HTTP with its sender's own token. The caller holds r.mu.
func (r *Relay) enqueue(o outgoing) {
	if o.token != "" {
		r.posts = append(r.posts, o)
	} else {
		r.outbox = append(r.outbox, o)
	}
	if r.up {
		r.poke()
	}
}

// send is the connection's one writer: queued messages in order, and
// pings, the first at once so the round trip is known from the start.
func (r *Relay) send(ws *websocket.Conn, done <-chan struct{}) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	if !r.ping(ws) {
		return
	}
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			if !r.ping(ws) {
				return
			}
		case <-r.wake:
			for {
				r.mu.Lock()
				if len(r.outbox) == 0 || !r.up {
					r.mu.Unlock()
					break
				}
				o := r.outbox[0]
				r.outbox = r.outbox[1:]
				// Pending before it is written: an answer may come first.
				var id struct{ ID string }
				_ = jsonUnmarshal(o.msg, &id)
				r.pending[id.ID] = o
				r.mu.Unlock()
				ws.SetWriteDeadline(time.Now().Add(readWait))
				if err := ws.WriteMessage(websocket.TextMessage, o.msg); err != nil {
					ws.Close()
					return
				}
			}
		}
	}
}

// ping writes a ping upstream and notes when, closing ws if it cannot.
func (r *Relay) ping(ws *websocket.Conn) bool {
	r.mu.Lock()
	r.quality.pinged()
	r.mu.Unlock()
	ws.SetWriteDeadline(time.Now().Add(readWait))
	if ws.WriteJSON(protocol.ClientMessage{Type: protocol.TypePing, ID: pingID}) != nil {
		ws.Close()
		return false
	}
	return true
}

// closeClients ends every local connection: the relay is stopping.
func (r *Relay) closeClients() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.clients {
		c.kick(protocol.CloseGoingAway, "relay shutting down")
	}
}

// broadcast sends msg to every local client. The caller holds r.mu.
func (r *Relay) broadcast(msg []byte) {
	for c := range r.clients {
		c.send(msg)
	}
}

// serverTime is now on upstream's clock. The caller holds r.mu.
func (r *Relay) serverTime() time.Time { return time.Now().Add(r.offset) }
