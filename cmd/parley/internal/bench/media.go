package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// The media kind publishes one Opus feed over WHIP, joins the subscribers
// over WHEP while it runs, then counts a window of Packets packets at every
// subscriber, with the server's CPU over the window. It does the same,
// back to back, against the bare pion loop when one is configured.

const (
	// packetEvery is one Opus frame: 50 packets a second.
	packetEvery = 20 * time.Millisecond
	// payloadSize is 20 ms of Opus at 32 kb/s; it starts with the
	// packet's counter, then the time it was sent (stampAt).
	payloadSize = 80
	// stampAt is where the send time goes in a payload: Unix nanoseconds,
	// big-endian, read on arrival on the same clock.
	stampAt, stampEnd = 8, 16
	// closeWorkers end subscribers' sessions in parallel.
	closeWorkers = 16
)

func (cfg Config) validateMedia(ctx context.Context) error {
	switch {
	case len(cfg.Secret) == 0:
		return errors.New("bench: --secret (or PARLEY_JWT_SECRET) is required to mint tokens")
	case cfg.Clients < 1:
		return errors.New("bench: --clients must be at least 1")
	case cfg.ConnectRate <= 0:
		return errors.New("bench: --connect-rate must be positive")
	case cfg.Packets < 1:
		return errors.New("bench: --packets must be at least 1")
	case cfg.Timeout <= 0:
		return errors.New("bench: --timeout must be positive: every run is bounded")
	case cfg.DialTimeout <= 0 || cfg.Settle < 0 || cfg.Drain < 0:
		return errors.New("bench: durations must not be negative, and --dial-timeout must be positive")
	}
	if err := checkTarget(ctx, cfg.BaseURL, cfg.AllowRemote); err != nil {
		return err
	}
	if cfg.BaselineURL != nil {
		if err := checkTarget(ctx, cfg.BaselineURL, cfg.AllowRemote); err != nil {
			return err
		}
	}
	if cfg.RelayURL != nil {
		if len(cfg.RelaySecret) == 0 {
			return errors.New("bench: a relay already serving needs the secret of its local tokens")
		}
		return checkTarget(ctx, cfg.RelayURL, cfg.AllowRemote)
	}
	return nil
}

// mediaTarget is a path the media kind loads: the server the feed is
// published to, and the one the subscribers take it from.
type mediaTarget struct {
	name string
	base *url.URL
	// relay, when set, puts the subscribers on a relay in front of base.
	relay bool
	// view is where the subscribers take the feed, with their tokens subs,
	// and pid the process whose CPU the window counts.
	view *url.URL
	subs []string
	pid  int
}

// roomEndpoint is which of room's endpoints under base.
func roomEndpoint(base *url.URL, room, which string) string {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/rooms/" + url.PathEscape(room) + "/" + which
	return u.String()
}

func runMedia(ctx context.Context, cfg Config) (*Report, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	started, cpuStart := time.Now(), selfCPU()
	rep := newReport(cfg)
	rep.Mode, rep.Media = "media", &MediaReport{Packets: cfg.Packets, RatePerSecond: int(time.Second / packetEvery)}
	// A subscriber is a UDP socket on each side, and the baseline runs
	// after the server is done with its own.
	limit, err := raiseFDLimit(2*uint64(cfg.Clients) + spareFDs)
	rep.Machine.FDLimit = limit
	if err != nil {
		return nil, err
	}
	venue, err := mintMediaTokens(cfg)
	if err != nil {
		return nil, err
	}
	subs, err := mintSubscribers(cfg, cfg.Secret)
	if err != nil {
		return nil, err
	}
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	client, err := mediaclient.New(mediaclient.Options{HTTP: hc, Loopback: !cfg.AllowRemote})
	if err != nil {
		return nil, err
	}
	targets := []mediaTarget{{name: "parley", base: cfg.BaseURL, view: cfg.BaseURL, subs: subs, pid: cfg.ServerPID}}
	if cfg.relay() {
		targets = append(targets, mediaTarget{name: "parley via relay", base: cfg.BaseURL, relay: true})
	}
	if len(cfg.BaselineCommand) > 0 && cfg.BaselineURL == nil {
		b, err := startBaseline(ctx, cfg.BaselineCommand, cfg.Progress)
		if err != nil {
			return nil, err
		}
		defer b.stop()
		cfg.BaselineURL, cfg.BaselinePID = b.url, b.pid
	}
	if cfg.BaselineURL != nil {
		bare := mediaTarget{name: "bare pion loop", base: cfg.BaselineURL, view: cfg.BaselineURL, subs: subs, pid: cfg.BaselinePID}
		if cfg.BaselineFirst {
			targets = append([]mediaTarget{bare}, targets...)
		} else {
			targets = append(targets, bare)
		}
	}
	if rep.RoomCreated, err = ensureRoom(ctx, hc, cfg, venue.admin); err != nil {
		return nil, err
	}
	for _, t := range targets {
		m := &mediaRun{cfg: cfg, client: client, target: t, venue: venue.venue}
		if t.relay {
			rep.Media.Targets = append(rep.Media.Targets, m.loadThroughRelay(ctx, hc))
			continue
		}
		rep.Media.Targets = append(rep.Media.Targets, m.load(ctx))
	}
	rep.ToolCPUMs = nsToMs(int64(selfCPU() - cpuStart))
	rep.ElapsedMs = nsToMs(int64(time.Since(started)))
	rep.Machine.LoadAvgEnd, rep.Machine.CPUPressureEnd = readLoadAvg(), readCPUPressure()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		rep.problem(fmt.Sprintf("the run hit its --timeout of %s", cfg.Timeout))
	} else if ctx.Err() != nil {
		rep.problem("the run was interrupted")
	}
	rep.judgeMedia()
	return rep, nil
}

type mediaTokens struct{ admin, venue string }

// mintMediaTokens issues the admin's and the venue's tokens.
func mintMediaTokens(cfg Config) (mediaTokens, error) {
	ttl := cfg.Timeout + time.Hour
	var t mediaTokens
	var err error
	admin := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench-admin"}, Name: "Bench admin", Room: auth.AnyRoom, Role: rooms.RoleAdmin}
	if t.admin, err = auth.Issue(cfg.Secret, admin, ttl); err != nil {
		return t, fmt.Errorf("bench: admin token: %w", err)
	}
	venue := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "bench-venue"}, Name: "Bench hall", Room: cfg.Room, Role: rooms.RoleVenue}
	if t.venue, err = auth.Issue(cfg.Secret, venue, ttl); err != nil {
		return t, fmt.Errorf("bench: venue token: %w", err)
	}
	return t, nil
}

// mintSubscribers issues a token signed with secret (the server's, or a
// relay's for its local members) per subscriber, from the same population
// as the other kinds.
func mintSubscribers(cfg Config, secret []byte) ([]string, error) {
	subs := make([]string, cfg.Clients)
	for i := range subs {
		var err error
		if subs[i], err = auth.Issue(secret, person(cfg.Room, i), cfg.Timeout+time.Hour); err != nil {
			return nil, fmt.Errorf("bench: token of subscriber %d: %w", i, err)
		}
	}
	return subs, nil
}

// mediaRun is one target's load.
type mediaRun struct {
	cfg    Config
	client *mediaclient.Client
	target mediaTarget
	venue  string
}

// loadThroughRelay opens the relay, loads the path through it and stops
// it: the other paths run without it.
func (m *mediaRun) loadThroughRelay(ctx context.Context, hc *http.Client) MediaTarget {
	r, err := openRelay(ctx, m.cfg, hc)
	if err == nil {
		defer r.stop()
		m.target.subs, err = mintSubscribers(m.cfg, r.secret)
	}
	if err != nil {
		res := MediaTarget{Name: m.target.name, Upstream: m.cfg.BaseURL.String(), Subscribers: m.cfg.Clients}
		res.problem(err.Error())
		return res
	}
	m.target.view, m.target.pid = r.url, r.pid
	return m.load(ctx)
}

// load publishes the feed, joins the subscribers, counts the window and
// ends every session.
func (m *mediaRun) load(ctx context.Context) MediaTarget {
	cfg, t := m.cfg, m.target
	res := MediaTarget{Name: t.name, URL: t.view.String(), Subscribers: cfg.Clients}
	if t.relay {
		res.Upstream = t.base.String()
	}
	whip := roomEndpoint(t.base, cfg.Room, "whip")
	fmt.Fprintf(cfg.Progress, "bench: %s: publishing the feed to %s\n", t.name, whip)
	pctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	pub, err := m.client.Publish(pctx, whip, m.venue)
	cancel()
	if err != nil {
		res.problem("the feed could not be published: " + err.Error())
		return res
	}
	fctx, stopFeed := context.WithCancel(ctx)
	f := newFeed(pub)
	go f.run(fctx)
	defer func() {
		stopFeed()
		<-f.done
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeWait)
		defer cancel()
		_ = pub.Close(cctx)
	}()

	subs := m.join(ctx, f, &res)
	defer closeSubscribers(ctx, subs)
	if !sleepUntil(ctx, time.Now().Add(cfg.Settle)) {
		res.problem("the run timed out while settling")
		return res
	}

	fmt.Fprintf(cfg.Progress, "bench: %s: counting %d packets at %d subscribers\n", t.name, cfg.Packets, res.Joined)
	res.LoadAvg = readLoadAvg()
	serverBefore, serverOK := procCPU(t.pid)
	toolBefore, windowStart, receivedBefore := selfCPU(), time.Now(), received(subs)
	f.window <- cfg.Packets
	select {
	case <-f.done:
	case <-ctx.Done():
	}
	if f.err != nil {
		res.problem("the feed stopped: " + f.err.Error())
	}
	res.Sent = int(f.sent.Load() - min(f.from.Load(), f.sent.Load()))
	m.drain(ctx, subs, &res)
	res.MeasureMs = nsToMs(int64(time.Since(windowStart)))
	res.ToolCPUMs = nsToMs(int64(selfCPU() - toolBefore))
	serverAfter, afterOK := procCPU(t.pid)
	res.Received = received(subs) - receivedBefore
	closeSubscribers(ctx, subs)
	res.tally(subs, cfg.Packets)
	if serverOK && afterOK {
		res.ServerCPUMs = nsToMs(int64(serverAfter - serverBefore))
	}
	res.perPacket()
	return res
}

// join subscribes every client at start + i/connect-rate and waits until
// each has its first packet or gave up.
func (m *mediaRun) join(ctx context.Context, f *feed, res *MediaTarget) []*mediaSub {
	cfg := m.cfg
	fmt.Fprintf(cfg.Progress, "bench: %s: subscribing %d clients at %.0f/s\n", m.target.name, cfg.Clients, cfg.ConnectRate)
	whep := roomEndpoint(m.target.view, cfg.Room, "whep")
	subs := make([]*mediaSub, cfg.Clients)
	start := time.Now()
	for i := range subs {
		s := newMediaSub(f, cfg.Packets)
		subs[i] = s
		if !sleepUntil(ctx, start.Add(time.Duration(float64(i)/cfg.ConnectRate*float64(time.Second)))) {
			s.err = errors.New("not subscribed: the run timed out")
			close(s.dialed)
			continue
		}
		go s.subscribe(ctx, m.client, whep, m.target.subs[i], cfg.DialTimeout)
	}
	// Stragglers have until this long after the last POST.
	jctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout+joinGrace)
	defer cancel()
	var joins []int64
	reasons := map[string]int{}
	var last time.Time
	for _, s := range subs {
		select {
		case <-s.dialed:
		case <-jctx.Done():
		}
		if isClosed(s.dialed) && s.err == nil {
			select {
			case <-s.ready:
			case <-jctx.Done():
			}
		}
		switch {
		case !isClosed(s.dialed):
			reasons["no answer to the offer"]++
		case s.err != nil:
			reasons[s.err.Error()]++
		case !isClosed(s.ready):
			reasons["no packet arrived"]++
		default:
			joins = append(joins, s.firstNs.Load())
			if at := s.postAt.Add(time.Duration(s.firstNs.Load())); at.After(last) {
				last = at
			}
		}
	}
	res.Joined, res.Failed = len(joins), len(subs)-len(joins)
	res.FailureReasons = topMessages(reasons, 5)
	res.Join = summarize(joins)
	if !last.IsZero() {
		res.JoinWindowMs = nsToMs(int64(last.Sub(start)))
	}
	fmt.Fprintf(cfg.Progress, "bench: %s: %d of %d subscribers have the feed; join %s\n", m.target.name, res.Joined, cfg.Clients, res.Join)
	return subs
}

// drain waits until every joined subscriber has every packet of the
// window, for at most --drain after the feed stopped.
func (m *mediaRun) drain(ctx context.Context, subs []*mediaSub, res *MediaTarget) {
	deadline := time.Now().Add(m.cfg.Drain)
	want := int64(res.Sent)
	for {
		behind := 0
		for _, s := range subs {
			if s.joined() && s.delivered.Load() < want && !isClosed(s.sub.Ended()) {
				behind++
			}
		}
		if behind == 0 || time.Now().After(deadline) || !sleepUntil(ctx, time.Now().Add(pollEvery)) {
			return
		}
	}
}

// closeSubscribers ends every session still open, a few at a time; it is
// idempotent.
func closeSubscribers(ctx context.Context, subs []*mediaSub) {
	ctx = context.WithoutCancel(ctx)
	work := make(chan *mediaSub)
	var wg sync.WaitGroup
	for range closeWorkers {
		wg.Go(func() {
			for s := range work {
				s.close(ctx)
			}
		})
	}
	for _, s := range subs {
		work <- s
	}
	close(work)
	wg.Wait()
}

// feed is the publisher's constant schedule: packet k at start + k×20 ms,
// its payload starting with k and the time it was handed to the
// publisher. A window asked for starts at the next packet
// and the feed stops after it.
type feed struct {
	pub *mediaclient.Publisher
	// from is the window's first counter: MaxUint64 before it is asked.
	from   atomic.Uint64
	sent   atomic.Uint64 // counters sent: the next one to send
	window chan int
	done   chan struct{}
	err    error // read after done
	// start is when packet 0 is due; packet k is due packetEvery×k later.
	start time.Time
}

func newFeed(pub *mediaclient.Publisher) *feed {
	f := &feed{pub: pub, window: make(chan int, 1), done: make(chan struct{}), start: time.Now()}
	f.from.Store(math.MaxUint64)
	return f
}

// due is when packet k was to be sent.
func (f *feed) due(k uint64) time.Time { return f.start.Add(time.Duration(k) * packetEvery) }

func (f *feed) run(ctx context.Context) {
	defer close(f.done)
	payload := make([]byte, payloadSize)
	stopAt := uint64(math.MaxUint64)
	for k := uint64(0); k < stopAt; k++ {
		if !sleepUntil(ctx, f.due(k)) {
			return
		}
		select {
		case n := <-f.window:
			// Stored before packet k leaves: whoever receives it sees it.
			f.from.Store(k)
			stopAt = k + uint64(n)
		default:
		}
		binary.BigEndian.PutUint64(payload, k)
		putStamp(payload, time.Now())
		if err := f.pub.Send(uint16(k), uint32(k*960), payload); err != nil {
			f.err = err
			return
		}
		f.sent.Store(k + 1)
	}
}

// putStamp writes the send time into payload.
func putStamp(payload []byte, at time.Time) {
	binary.BigEndian.PutUint64(payload[stampAt:stampEnd], uint64(at.UnixNano()))
}

// transit is how long ago, at arrival, payload's stamp was written.
func transit(payload []byte, arrival time.Time) int64 {
	return arrival.UnixNano() - int64(binary.BigEndian.Uint64(payload[stampAt:stampEnd]))
}

// mediaSub is one WHEP subscriber and what it counted. The counts without
// atomics belong to its read goroutine until close returns.
type mediaSub struct {
	feed   *feed
	postAt time.Time
	sub    *mediaclient.Subscriber
	err    error         // set before dialed is closed
	dialed chan struct{} // the offer was answered, or refused
	ready  chan struct{} // the first packet came
	// firstNs runs from the POST to the first packet.
	firstNs   atomic.Int64
	delivered atomic.Int64 // distinct packets of the window
	received  atomic.Int64 // every packet, window or not
	closeOnce sync.Once
	// ended is whether the connection had ended when the run closed it.
	ended bool

	seen []bool // by counter - window start
	// late is, per packet of the window received, how long after its due
	// time it came, and transit how long after it was sent.
	late, transit             []int64
	dups, outOfOrder, foreign int
	maxSeen                   uint64
	anySeen                   bool
}

func newMediaSub(f *feed, packets int) *mediaSub {
	return &mediaSub{feed: f, dialed: make(chan struct{}), ready: make(chan struct{}), seen: make([]bool, packets), late: make([]int64, 0, packets), transit: make([]int64, 0, packets)}
}

func (s *mediaSub) subscribe(ctx context.Context, c *mediaclient.Client, whep, token string, timeout time.Duration) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.postAt = time.Now()
	s.sub, s.err = c.Subscribe(dctx, whep, token, 1, s.onPacket)
	close(s.dialed)
}

// onPacket counts one packet; only the subscriber's read goroutine calls it.
func (s *mediaSub) onPacket(p mediaclient.Packet) {
	arrival := time.Now()
	s.received.Add(1)
	if s.firstNs.Load() == 0 {
		s.firstNs.Store(max(int64(time.Since(s.postAt)), 1))
		close(s.ready)
	}
	if len(p.Payload) < stampEnd {
		s.foreign++
		return
	}
	c := binary.BigEndian.Uint64(p.Payload)
	from := s.feed.from.Load()
	if c < from {
		return // before the window: only the join counts it
	}
	if c-from >= uint64(len(s.seen)) {
		s.foreign++
		return
	}
	if s.anySeen && c < s.maxSeen {
		s.outOfOrder++
	} else {
		s.maxSeen, s.anySeen = c, true
	}
	if s.seen[c-from] {
		s.dups++
		return
	}
	s.seen[c-from] = true
	s.late = append(s.late, int64(arrival.Sub(s.feed.due(c))))
	s.transit = append(s.transit, transit(p.Payload, arrival))
	s.delivered.Add(1)
}

func (s *mediaSub) joined() bool { return isClosed(s.dialed) && s.err == nil && isClosed(s.ready) }

// close ends the session once; afterwards the counts may be read.
func (s *mediaSub) close(ctx context.Context) {
	<-s.dialed
	if s.sub == nil {
		return
	}
	s.closeOnce.Do(func() {
		s.ended = isClosed(s.sub.Ended())
		cctx, cancel := context.WithTimeout(ctx, closeWait)
		defer cancel()
		_ = s.sub.Close(cctx)
	})
}

// received is how many packets the subscribers have received so far.
func received(subs []*mediaSub) int64 {
	var n int64
	for _, s := range subs {
		n += s.received.Load()
	}
	return n
}

// procCPU is pid's CPU time, when a pid is known and readable.
func procCPU(pid int) (time.Duration, bool) {
	if pid <= 0 {
		return 0, false
	}
	d, err := readProcCPU(pid)
	return d, err == nil
}
