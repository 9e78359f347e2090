package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

const (
	// joinGrace is how long joins may trail the last dial before the
	// stragglers count as failed.
	joinGrace = 30 * time.Second
	// closeWait bounds how long the server may take to answer the close
	// frames before the bench drops the connections itself.
	closeWait = 5 * time.Second
	// pollEvery is how often the drain checks the clients' progress.
	pollEvery = 20 * time.Millisecond
)

// lockedWriter lets goroutines share a writer a line at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runner is one run's moving parts.
type runner struct {
	cfg      Config
	progress io.Writer
	clients  []*client
	rep      *Report
	closed   bool
	// follow is what each client sends after its snapshot: the transcript
	// kind's request, nil for the ws kind.
	follow []byte
	// posted counts the lines this run added to the transcript, lastID the
	// last segment they opened.
	posted int
	lastID uint64
}

// Run connects the clients, drives the commands, checks every delivery
// and closes everything, all within cfg.Timeout. An error means the run
// could not be made; a run made and failed is a report with Passed false
// and its Problems.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.Validate(ctx); err != nil {
		return Report{}, err
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	// Children's standard error is copied to it while the run writes too.
	cfg.Progress = &lockedWriter{w: cfg.Progress}
	if cfg.media() {
		rep, err := runMedia(ctx, cfg)
		if err != nil {
			return Report{}, err
		}
		return *rep, nil
	}
	rep, err := run(ctx, cfg)
	if err != nil {
		return Report{}, err
	}
	return *rep, nil
}

func run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.LateOnly {
		cfg.Clients = 0 // no viewers: no tokens, no descriptors for them
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	started, cpuStart := time.Now(), selfCPU()

	rep := newReport(cfg)
	limit, err := raiseFDLimit(uint64(cfg.Clients) + spareFDs)
	rep.Machine.FDLimit = limit
	if err != nil {
		return nil, err
	}
	if rep.Machine.EphemeralPorts > 0 && cfg.Clients > rep.Machine.EphemeralPorts {
		return nil, fmt.Errorf("bench: %d clients need as many local ports but the loopback offers %d (net.ipv4.ip_local_port_range)", cfg.Clients, rep.Machine.EphemeralPorts)
	}
	mint := mintTokens
	if cfg.Centrifugo {
		mint = centrifugoTokens
	}
	tokens, err := mint(cfg)
	if err != nil {
		return nil, err
	}
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	if !cfg.Centrifugo {
		if rep.RoomCreated, err = ensureRoom(ctx, hc, cfg, tokens.admin); err != nil {
			return nil, err
		}
	}
	r := &runner{cfg: cfg, progress: cfg.Progress, rep: rep}
	act, err := r.prepare(ctx, hc, tokens)
	if err != nil {
		return nil, err
	}

	server := r.sampleServer("before connecting")
	if !cfg.LateOnly {
		r.connect(ctx, tokens.clients)
	}
	// Whatever happens next, no connection outlives the run.
	defer r.closeAll()
	if !cfg.LateOnly && !sleepUntil(ctx, time.Now().Add(cfg.Settle)) {
		rep.problem("the run timed out while settling")
	}
	connected := r.sampleServer("after connecting")
	rep.setMemory(server.mem, connected.mem)
	rep.ServerCPU.ConnectMs = connected.cpuSince(server)

	if cfg.driving() {
		toolBefore := selfCPU()
		var cmds []commandResult
		if cfg.Watch {
			fmt.Fprintf(r.progress, "bench: watching for %d events driven by another run\n", cfg.Events)
			cmds = r.watch(ctx)
		} else {
			fmt.Fprintf(r.progress, "bench: driving %s at %.2f/s\n", r.describeDrive(), cfg.Rate)
			cmds = drive(ctx, cfg, act)
			r.drain(ctx, cmds)
		}
		rep.ToolCPUDriveMs = nsToMs(int64(selfCPU() - toolBefore))
		driven := r.sampleServer("after driving")
		rep.ServerCPU.DriveMs = driven.cpuSince(connected)
		rep.setCommands(cmds)
		r.notePosted(cmds)
		if cfg.transcript() && cfg.Late > 0 {
			// With the viewers still connected, as late comers find them.
			r.lateJoins(ctx, tokens.late)
		}
		r.closeAll()
		if cfg.Watch {
			stampWatched(r.clients, cmds)
		}
		rep.setDelivery(tallyDelivery(r.clients, cmds), cmds)
	} else {
		if cfg.LateOnly {
			r.lateJoins(ctx, tokens.late)
		}
		r.closeAll()
	}
	if rep.Transcript != nil {
		rep.Transcript.setViewers(r.clients)
	}
	if cfg.ServerPID > 0 {
		if m, err := readProcMemory(cfg.ServerPID); err == nil {
			rep.Memory.AfterDisconnect = &m
		}
	}
	rep.setConnections(r.clients)
	rep.ToolCPUMs = nsToMs(int64(selfCPU() - cpuStart))
	rep.ElapsedMs = nsToMs(int64(time.Since(started)))
	rep.Machine.LoadAvgEnd, rep.Machine.CPUPressureEnd = readLoadAvg(), readCPUPressure()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		rep.problem(fmt.Sprintf("the run hit its --timeout of %s", cfg.Timeout))
	case ctx.Err() != nil:
		rep.problem("the run was interrupted")
	}
	rep.judge()
	return rep, nil
}

// prepare readies the room for the drive before anyone connects and
// returns the drive's action: for the hand driver, no request of the
// driver's own left over from an interrupted run; for the transcript kind,
// the prefill, and posts numbered after the channel's last.
func (r *runner) prepare(ctx context.Context, hc *http.Client, tokens credentials) (action, error) {
	switch {
	case r.cfg.transcript():
		return r.prepareTranscript(ctx, hc, tokens.captioner)
	case r.cfg.Idle, r.cfg.Watch:
		return nil, nil
	case r.cfg.Centrifugo:
		return centrifugoPublish(hc, r.cfg), nil
	}
	if err := prepareDriver(ctx, hc, r.cfg, tokens.driver); err != nil {
		return nil, err
	}
	return roomCommands(hc, r.cfg, tokens.driver), nil
}

func (r *runner) describeDrive() string {
	what := r.cfg.Driver + " commands"
	if r.cfg.transcript() {
		what = "caption posts to " + r.cfg.Lang
	}
	if r.cfg.Events == 0 {
		return fmt.Sprintf("%s for %s", what, r.cfg.Duration)
	}
	return fmt.Sprintf("%d %s", r.cfg.Events, what)
}

// notePosted counts the lines the drive added, for the late viewers' check.
func (r *runner) notePosted(cmds []commandResult) {
	for _, c := range cmds {
		for _, s := range c.segments {
			r.posted++
			r.lastID = s.ID
		}
	}
}

// connect dials client i at start + i/connect-rate, each from its own
// goroutine so a slow handshake delays no one else's, then waits for every
// client to get its snapshot or give up.
func (r *runner) connect(ctx context.Context, tokens []string) {
	cfg := r.cfg
	fmt.Fprintf(r.progress, "bench: connecting %d clients to %s at %.0f/s\n", cfg.Clients, describeTarget(cfg), cfg.ConnectRate)
	dialer := newDialer(cfg.DialTimeout)
	expect := cfg.Events
	r.clients = make([]*client, cfg.Clients)
	start := time.Now()
	for i := range r.clients {
		c := newClient(i, expect)
		c.follow = r.follow
		if cfg.Centrifugo {
			c.channel = cfg.Room
		}
		r.clients[i] = c
		if !sleepUntil(ctx, start.Add(time.Duration(float64(i)/cfg.ConnectRate*float64(time.Second)))) {
			c.dialErr = fmt.Errorf("not dialled: the run timed out")
			c.markJoined()
			close(c.done)
			continue
		}
		go c.run(ctx, dialer, cfg.wsURL(i), tokens[i])
	}
	deadline := time.NewTimer(cfg.DialTimeout + joinGrace)
	defer deadline.Stop()
wait:
	for _, c := range r.clients {
		select {
		case <-c.joined:
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	var stragglers []*client
	for _, c := range r.clients {
		if !isClosed(c.joined) {
			stragglers = append(stragglers, c)
			c.forceClose()
		}
	}
	if len(stragglers) > 0 {
		// Closing a straggler ends its reader, or its dial, and so marks it
		// joined without a snapshot: a failed join. Its dial had its full
		// handshake timeout already, so this is quick.
		if !waitAll(stragglers, closeWait) {
			panic("bench: stragglers' readers did not stop after their connections were closed")
		}
		r.rep.problem(fmt.Sprintf("%d clients were not ready (no snapshot, or no transcript) %s after the last dial", len(stragglers), cfg.DialTimeout+joinGrace))
	}
	r.rep.setJoins(r.clients, start)
	fmt.Fprintf(r.progress, "bench: %d of %d clients joined in %.1f s\n", r.rep.Connected, cfg.Clients, r.rep.JoinWindowMs/1000)
}

// drain waits until every client still connected has the last appended
// event, for at most --drain after the last command.
func (r *runner) drain(ctx context.Context, cmds []commandResult) {
	var last uint64
	for _, c := range cmds {
		for _, s := range c.seqs {
			last = max(last, s)
		}
	}
	if last == 0 {
		return
	}
	deadline := time.Now().Add(r.cfg.Drain)
	for {
		behind := 0
		for _, c := range r.clients {
			if c.lastSeq.Load() >= last || !c.joinedOK() || isClosed(c.done) {
				continue
			}
			behind++
		}
		if behind == 0 {
			return
		}
		if time.Now().After(deadline) || !sleepUntil(ctx, time.Now().Add(pollEvery)) {
			r.rep.problem(fmt.Sprintf("%d clients still lacked event %d %s after the last command", behind, last, r.cfg.Drain))
			return
		}
	}
}

// closeAll sends every client a close frame, waits for the server to end
// the connections, and drops those it did not. It is idempotent.
func (r *runner) closeAll() {
	if r.closed {
		return
	}
	r.closed = true
	for _, c := range r.clients {
		c.startClose()
	}
	if waitAll(r.clients, closeWait) {
		return
	}
	lingering := 0
	for _, c := range r.clients {
		if !isClosed(c.done) {
			lingering++
			c.forceClose()
		}
	}
	r.rep.problem(fmt.Sprintf("%d connections were not closed by the server within %s of the close frame", lingering, closeWait))
	if !waitAll(r.clients, closeWait) {
		// A reader that outlives its closed socket is a bug in the bench.
		panic("bench: client readers did not stop after their connections were closed")
	}
}

// waitAll waits for every client's reader to end, for at most d.
func waitAll(clients []*client, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for _, c := range clients {
		select {
		case <-c.done:
		case <-deadline.C:
			return false
		}
	}
	return true
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// serverSample is the server's memory and CPU at one moment.
type serverSample struct {
	mem *ProcMemory
	cpu time.Duration
	ok  bool
}

func (r *runner) sampleServer(when string) serverSample {
	if r.cfg.ServerPID <= 0 {
		return serverSample{}
	}
	m, err := readProcMemory(r.cfg.ServerPID)
	if err != nil {
		r.rep.problem(fmt.Sprintf("server memory %s: %v", when, err))
		return serverSample{}
	}
	cpu, err := readProcCPU(r.cfg.ServerPID)
	if err != nil {
		r.rep.problem(fmt.Sprintf("server CPU %s: %v", when, err))
		return serverSample{}
	}
	return serverSample{mem: &m, cpu: cpu, ok: true}
}

// cpuSince is the server CPU used between two samples, in milliseconds.
func (s serverSample) cpuSince(earlier serverSample) float64 {
	if !s.ok || !earlier.ok {
		return 0
	}
	return nsToMs(int64(s.cpu - earlier.cpu))
}
