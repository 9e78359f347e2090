package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/codecs"
)

// Rooms is what the media plane needs of the room service (rooms.Service).
type Rooms interface {
	// Subscribe adds o to the observers of every room until cancel.
	Subscribe(o rooms.Observer) (cancel func())
	// View calls fn with the room's state, under its lock; ErrNotFound if
	// there is no such room.
	View(ctx context.Context, room string, fn func(*rooms.State)) error
	// Follow keeps the room current with what other nodes append, from
	// seq on, until release; it does no I/O and is called under View.
	Follow(room string, seq uint64) (release func())
	// SetInterpreted records that room is (on) or is no longer interpreted
	// into lang, by the interpreter by; the same facts again change nothing.
	SetInterpreted(ctx context.Context, room string, by rooms.Participant, lang string, on bool) error
}

var _ Rooms = (*rooms.Service)(nil)

// ICEServer is a STUN or TURN server handed to clients (RFC 9725 §4.6).
type ICEServer struct {
	URL        string
	Username   string
	Credential string
}

// Config is what a Plane is built from.
type Config struct {
	Rooms Rooms
	Log   *slog.Logger
	// ICEServers are given to every client in Link headers.
	ICEServers []ICEServer
	// TURNSecret is the secret shared with the TURN servers (coturn's
	// static-auth-secret): a TURN server in ICEServers without a username
	// is handed out with credentials made from it for each offer, naming
	// the caller's sub and lasting TURNTTL (default DefaultTURNTTL).
	TURNSecret []byte
	TURNTTL    time.Duration
	// ConnectTimeout is how long a session may take to connect before it
	// is ended (default 30 s).
	ConnectTimeout time.Duration
	// UDP, when set, carries every session's media on this one socket (ICE
	// UDP mux: one port, one firewall rule); the plane closes it. Without
	// it each session takes a port of its own.
	UDP net.PacketConn
	// PublicIPs are this host's addresses as clients reach them through a
	// 1:1 NAT; host candidates on them are offered besides the local ones.
	PublicIPs []string
	// Loopback offers loopback candidates only: for tests on one machine.
	Loopback bool
	// Leases, with Node, have one node hold each room's media; an offer
	// reaching another node is sent there (307). Without them this node
	// serves every room.
	Leases rooms.Leases
	// Nodes, with Node, is the registry of live nodes: the plane announces
	// Node there from Start and withdraws it as Close begins; a closing
	// plane sends offers (307) to the room's lease holder or to another
	// live node. Without it a closing plane refuses them (ErrClosed).
	Nodes rooms.Nodes
	// Node is this node's public base URL, as clients reach it
	// (https://host:port, no trailing slash).
	Node string
}

// DefaultConnectTimeout is how long a client has to complete ICE and DTLS.
const DefaultConnectTimeout = 30 * time.Second

var _ rooms.Observer = (*Plane)(nil)

// Plane is the media of every room this node serves.
type Plane struct {
	cfg Config
	// api makes publishers' sessions, viewAPI viewers'.
	api, viewAPI *webrtc.API
	log          *slog.Logger

	mux ice.UDPMux // nil without Config.UDP

	// leaseMu orders releasing a room's lease before the first claim of
	// the room's media started anew; offers claim without it.
	leaseMu sync.Mutex

	mu     sync.Mutex
	rooms  map[string]*room
	closed bool
	// closing counts peer connections being closed in the background.
	closing sync.WaitGroup
	// claims counts lease claims under way, claiming their rooms; none
	// starts once closed.
	claims   sync.WaitGroup
	claiming map[string]int
	// cancel, set by Start, stops following the rooms; unannounce, set by
	// Start and taken by the first Close, stops announcing this node.
	cancel, unannounce func()
}

// New builds a plane; Start subscribes it to the rooms. It fails when
// cfg's addresses are not ones pion can use.
func New(cfg Config) (*Plane, error) {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.TURNTTL <= 0 {
		cfg.TURNTTL = DefaultTURNTTL
	}
	if err := checkICEServers(cfg); err != nil {
		return nil, err
	}
	cfg.Node = strings.TrimSuffix(cfg.Node, "/")
	if (cfg.Leases != nil || cfg.Nodes != nil) && cfg.Node == "" {
		return nil, errors.New("media: several nodes need each node's public URL")
	}
	var mux ice.UDPMux
	if cfg.UDP != nil {
		mux = webrtc.NewICEUDPMux(nil, cfg.UDP)
	}
	api, err := newAPI(cfg, mux, true)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	viewAPI, err := newAPI(cfg, mux, false)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &Plane{cfg: cfg, api: api, viewAPI: viewAPI, log: cfg.Log, mux: mux,
		rooms: map[string]*room{}, claiming: map[string]int{}}, nil
}

// newAPI builds the pion API of publishers' sessions (publish) or of
// viewers': Opus, VP8 and H.264, with NACK and RTCP reports, and none of pion's other
// default interceptors, which cost per packet and per subscriber without
// serving an audio fan-out.
func newAPI(cfg Config, mux ice.UDPMux, publish bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := codecs.Register(m, true, true); err != nil {
		return nil, err
	}
	reg, err := interceptors(publish)
	if err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	// A server has no use for resolving .local candidates: a browser behind
	// one is found by its connectivity checks (peer reflexive). Without it
	// no session listens to the network's multicast DNS.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if cfg.Loopback {
		loopbackOnly(&se)
	}
	if mux != nil {
		se.SetICEUDPMux(mux)
	}
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External: cfg.PublicIPs, AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteAppend,
		}); err != nil {
			return nil, fmt.Errorf("public IPs %v: %w", cfg.PublicIPs, err)
		}
	}
	// AES-128-GCM first: the cheapest protection per packet a peer offers.
	se.SetSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AEAD_AES_256_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// interceptors are what a session runs beside its tracks. The NACK
// generator asks publishers to resend what was lost on the way in, and a
// receiver report says what came; a viewer's session sends sender reports.
// Subscribers' NACKs are answered from each fanout's one history
// (fanout.resend), not by pion's responder, which would keep a copy of
// every packet for every subscriber. Each interceptor has a timer per
// session, so a viewer runs neither of a publisher's: a thousand viewers
// would each wake them ten times a second for nothing.
func interceptors(publish bool) (*interceptor.Registry, error) {
	reg := &interceptor.Registry{}
	if !publish {
		sender, err := report.NewSenderInterceptor()
		if err != nil {
			return nil, err
		}
		reg.Add(sender)
		return reg, nil
	}
	nackGenerator, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	receiver, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(nackGenerator)
	reg.Add(receiver)
	return reg, nil
}

// Start follows the rooms' events (the floor gate and room closing) and
// announces this node in Config.Nodes.
func (p *Plane) Start() {
	p.cancel = p.cfg.Rooms.Subscribe(p)
	stop := p.announce()
	p.mu.Lock()
	p.unannounce = stop
	p.mu.Unlock()
}

// Close drains the plane, waiting up to ctx: from its start no lease is
// claimed and new offers are sent to other nodes (or refused); it
// withdraws this node from Config.Nodes, releases the rooms' leases, ends
// every session and waits for their connections to close, then closes
// Config.UDP.
func (p *Plane) Close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	var all []*session
	var held []string
	for id, r := range p.rooms {
		held = append(held, id)
		all = append(all, r.all()...)
	}
	for id := range p.claiming {
		if p.rooms[id] == nil {
			held = append(held, id)
		}
	}
	p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
	}
	p.leaveNodes(ctx)
	p.handOver(ctx, held)
	for _, s := range all {
		s.end("the server is shutting down")
	}
	done := make(chan struct{})
	go func() {
		p.closing.Wait()
		if p.mux != nil {
			// Its sessions are closed: nothing reads the socket any more.
			p.mux.Close()
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("media: close: %w", ctx.Err())
	}
}

// Applied follows the floor and the room's closing (rooms.Observer). It
// is quick: a gate update, or sessions told to end.
func (p *Plane) Applied(roomID string, e rooms.Event, _ *rooms.State) {
	if !gateEvent(e.Type) && e.Type != rooms.EvRoomClosed {
		return
	}
	if r := p.roomOf(roomID); r != nil {
		r.apply(e)
	}
}

// Reset takes the floor afresh from a room reloaded after the store lost
// events (rooms.Observer): the gate must not wait for the old log's seqs.
func (p *Plane) Reset(roomID string, st *rooms.State) {
	if r := p.roomOf(roomID); r != nil {
		r.restart(st.Snapshot(time.Now()))
	}
}

// join returns roomID's media, creating it, with the floor as the room
// has it now; leave undoes it.
func (p *Plane) join(ctx context.Context, roomID string) (*room, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	r := p.rooms[roomID]
	created := r == nil
	if created {
		r = newRoom(p, roomID)
		r.stopLease = p.keepLease(r)
		p.rooms[roomID] = r
	}
	r.refs++
	p.mu.Unlock()
	// Events applied from now on reach r; the state covers those before.
	// Following the room brings other nodes' floor changes to the gate.
	var closed bool
	var interpreted []string
	err := p.cfg.Rooms.View(ctx, roomID, func(st *rooms.State) {
		snap := st.Snapshot(time.Now())
		interpreted = snap.Interpretation
		if closed = snap.Closed; !closed {
			r.init(snap, func() func() { return p.cfg.Rooms.Follow(roomID, st.Seq) })
		}
	})
	if err == nil && closed {
		err = errRoomClosed(roomID)
	}
	if err != nil {
		p.leave(r)
		return nil, err
	}
	if created {
		// The room's media starts here: a language the log says is
		// interpreted is left over from a node that stopped without
		// saying so.
		for _, lang := range interpreted {
			r.announce(lang, systemActor)
		}
	}
	return r, nil
}

// systemActor is the media plane as the cause of an event no one asked for.
var systemActor = rooms.Participant{Sub: "system", Name: "Parley", Role: "system"}

// leave drops a reference to r taken by join; the last one forgets it and
// stops following the room.
func (p *Plane) leave(r *room) {
	p.mu.Lock()
	forget := false
	if r.refs--; r.refs == 0 && p.rooms[r.id] == r {
		delete(p.rooms, r.id)
		forget = true
	}
	p.mu.Unlock()
	if forget {
		r.unfollow()
		r.stopLease()
	}
}

// session finds a session of roomID by id.
func (p *Plane) session(roomID, id string) (*session, error) {
	if r := p.roomOf(roomID); r != nil {
		if s := r.session(id); s != nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: %q in room %q", ErrNoSession, id, roomID)
}

// loopbackOnly makes se gather UDP candidates on loopback alone, without
// mDNS: what tests on one machine need, and no more sockets than that.
func loopbackOnly(se *webrtc.SettingEngine) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
}
