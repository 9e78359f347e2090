package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is a run's figures and verdict; `parley bench --json` prints it
// as is.
type Report struct {
	Kind        string  `json:"kind"` // "ws", "transcript" or "media"
	Target      string  `json:"target"`
	Room        string  `json:"room"`
	RoomCreated bool    `json:"room_created"`
	Mode        string  `json:"mode"` // "drive", "idle", "late-only" or "media"
	Machine     Machine `json:"machine"`

	Clients            int              `json:"clients"`
	Connected          int              `json:"connected"`
	Failed             int              `json:"failed"`
	FailureReasons     []CountedMessage `json:"failure_reasons,omitempty"`
	ConnectRateTarget  float64          `json:"connect_rate_target"`
	ConnectRateReached float64          `json:"connect_rate_reached"`
	// JoinWindowMs runs from the first dial to the last client ready.
	JoinWindowMs float64 `json:"join_window_ms"`
	// Join runs, per client, from starting to dial to being ready: having
	// the snapshot, or for a transcript viewer the channel's segments.
	Join Latency `json:"join_latency"`
	// DroppedEarly counts joined clients whose connection ended before the
	// bench closed it (kicked as too slow, or the server failed).
	DroppedEarly        int              `json:"dropped_early"`
	DroppedEarlyReasons []CountedMessage `json:"dropped_early_reasons,omitempty"`

	Driver           string           `json:"driver,omitempty"`
	Rate             float64          `json:"rate,omitempty"`
	CommandsSent     int              `json:"commands_sent"`
	CommandErrors    int              `json:"command_errors"`
	CommandFailures  []CountedMessage `json:"command_failures,omitempty"`
	CommandRoundTrip Latency          `json:"command_round_trip"`
	// DriverLateMaxMs is the most a command was sent after its due time.
	DriverLateMaxMs float64 `json:"driver_late_max_ms"`

	Delivery Delivery `json:"delivery"`
	// Latency runs from the event's server timestamp (set when the command
	// was decided, before the journal's sync; a segment's updated is the
	// same time of its entry) to the client's read.
	Latency Latency `json:"latency_from_event_time"`
	// LatencyFromSchedule runs from when the schedule said to send the
	// command: it also counts the driver's lateness and the command's own
	// processing, which a slow server inflicts on the chair.
	LatencyFromSchedule Latency `json:"latency_from_schedule"`
	// LatencyFromSend runs from when the command was sent: what a peer
	// server (Config.Centrifugo) is measured from, its publications
	// stamped with their send time.
	LatencyFromSend Latency `json:"latency_from_send"`
	// PerEvent is each driven event's delivery, in seq order.
	PerEvent []EventLatency `json:"per_event,omitempty"`

	// Transcript is the transcript kind's prefill, viewers and late viewers.
	Transcript *TranscriptReport `json:"transcript,omitempty"`
	// Media is the media kind's feed and subscribers, per server.
	Media *MediaReport `json:"media,omitempty"`
	// SlowPathFrames counts events and segments the fast parser declined:
	// above zero, the server's layout changed and the bench costs more.
	SlowPathFrames int `json:"slow_path_frames"`

	Memory         Memory    `json:"server_memory"`
	ServerCPU      ServerCPU `json:"server_cpu"`
	ToolCPUMs      float64   `json:"tool_cpu_ms"`
	ToolCPUDriveMs float64   `json:"tool_cpu_drive_ms"`
	ElapsedMs      float64   `json:"elapsed_ms"`

	Passed   bool     `json:"passed"`
	Problems []string `json:"problems,omitempty"`
}

// Memory is the server's resident memory around the connect phase.
// RSS counts what the Go runtime holds from the OS, garbage included, so
// it is an upper bound on what the connections keep alive.
type Memory struct {
	Before          *ProcMemory `json:"before,omitempty"`
	Connected       *ProcMemory `json:"connected,omitempty"`
	AfterDisconnect *ProcMemory `json:"after_disconnect,omitempty"`
	DeltaKiB        int64       `json:"delta_kib"`
	PerConnKiB      float64     `json:"per_connection_kib"`
	Per1000MiB      float64     `json:"per_1000_connections_mib"`
}

// EventLatency is one event's delivery to all clients.
type EventLatency struct {
	Seq uint64 `json:"seq"`
	// DueMs is when its command was due, from the first command's due time.
	DueMs       float64 `json:"due_ms"`
	RoundTripMs float64 `json:"command_round_trip_ms"`
	Latency
}

// ServerCPU is the CPU the server used in each phase.
type ServerCPU struct {
	ConnectMs float64 `json:"connect_ms"` // connecting and settling
	DriveMs   float64 `json:"drive_ms"`   // driving and draining
}

func newReport(cfg Config) *Report {
	rep := &Report{
		Kind: cfg.Kind, Target: describeTarget(cfg), Room: cfg.Room, Mode: "drive", Machine: readMachine(),
		Clients: cfg.Clients, ConnectRateTarget: cfg.ConnectRate,
	}
	switch {
	case cfg.Watch:
		rep.Mode = "watch"
	case cfg.Centrifugo:
		rep.Driver, rep.Rate = "centrifugo publish", cfg.Rate
	case cfg.Idle:
		rep.Mode = "idle"
	case cfg.LateOnly:
		rep.Mode = "late-only"
	case cfg.transcript():
		rep.Driver, rep.Rate = "captions", cfg.Rate
	default:
		rep.Driver, rep.Rate = cfg.Driver, cfg.Rate
	}
	return rep
}

func (rep *Report) problem(p string) { rep.Problems = append(rep.Problems, p) }

// setJoins records the connect phase, once every client has joined or
// given up.
func (rep *Report) setJoins(clients []*client, start time.Time) {
	var joins []int64
	var last time.Time
	reasons := map[string]int{}
	for _, c := range clients {
		if !c.joinedOK() {
			reasons[failureReason(c)]++
			continue
		}
		joins = append(joins, int64(c.readyAt.Sub(c.dialStart)))
		if c.readyAt.After(last) {
			last = c.readyAt
		}
	}
	rep.Connected, rep.Failed = len(joins), len(clients)-len(joins)
	rep.FailureReasons = topMessages(reasons, 5)
	rep.Join = summarize(joins)
	if !last.IsZero() {
		rep.JoinWindowMs = nsToMs(int64(last.Sub(start)))
		rep.ConnectRateReached = float64(rep.Connected) / last.Sub(start).Seconds()
	}
}

func failureReason(c *client) string {
	what := "no snapshot"
	if c.follow != nil && !c.snapshotAt.IsZero() {
		what = "no transcript segments"
	}
	switch {
	case c.dialErr != nil:
		return c.dialErr.Error()
	case c.joinErr != nil:
		return c.joinErr.Error()
	case c.endErr != nil:
		return what + " before the connection ended: " + c.endErr.Error()
	}
	return what
}

// setConnections records, once every reader has ended, which connections
// the server ended before the bench did.
func (rep *Report) setConnections(clients []*client) {
	reasons := map[string]int{}
	for _, c := range clients {
		rep.SlowPathFrames += c.slowPath
		if !c.joinedOK() {
			continue
		}
		if dropped, why := c.droppedEarly(); dropped {
			rep.DroppedEarly++
			reasons[why]++
		}
	}
	rep.DroppedEarlyReasons = topMessages(reasons, 5)
}

func (rep *Report) setMemory(before, connected *ProcMemory) {
	rep.Memory.Before, rep.Memory.Connected = before, connected
	if before == nil || connected == nil || rep.Connected == 0 {
		return
	}
	rep.Memory.DeltaKiB = connected.RSSKiB - before.RSSKiB
	rep.Memory.PerConnKiB = float64(rep.Memory.DeltaKiB) / float64(rep.Connected)
	rep.Memory.Per1000MiB = rep.Memory.PerConnKiB * 1000 / 1024
}

func (rep *Report) setCommands(cmds []commandResult) {
	rep.CommandsSent = len(cmds)
	rtts := make([]int64, 0, len(cmds))
	failures := map[string]int{}
	for _, c := range cmds {
		rtts = append(rtts, c.rttNs)
		rep.DriverLateMaxMs = max(rep.DriverLateMaxMs, nsToMs(c.sentNs-c.dueNs))
		if c.err != nil {
			rep.CommandErrors++
			failures[c.err.Error()]++
		}
	}
	rep.CommandFailures = topMessages(failures, 5)
	rep.CommandRoundTrip = summarize(rtts)
}

func (rep *Report) setDelivery(d Delivery, cmds []commandResult) {
	rep.Delivery = d
	rep.Latency = summarize(d.fromEvent)
	rep.LatencyFromSchedule = summarize(d.fromSchedule)
	rep.LatencyFromSend = summarize(d.fromSent)
	for _, c := range cmds {
		for _, seq := range c.seqs {
			if lat, ok := d.bySeq[seq]; ok && c.err == nil {
				rep.PerEvent = append(rep.PerEvent, EventLatency{
					Seq: seq, DueMs: nsToMs(c.dueNs - cmds[0].dueNs), RoundTripMs: nsToMs(c.rttNs), Latency: summarize(lat),
				})
			}
		}
	}
}

// slowestEvent is the event whose last delivery came latest.
func (rep *Report) slowestEvent() (EventLatency, bool) {
	var worst EventLatency
	for _, e := range rep.PerEvent {
		if e.MaxMs > worst.MaxMs {
			worst = e
		}
	}
	return worst, len(rep.PerEvent) > 0
}

// judge decides the verdict: a run passes when every client joined, no
// connection was dropped, and, when driving, every command succeeded and
// every event reached every client once, in order.
func (rep *Report) judge() {
	if rep.Failed > 0 {
		rep.problem(fmt.Sprintf("%d of %d clients failed to join", rep.Failed, rep.Clients))
	}
	if rep.DroppedEarly > 0 {
		rep.problem(fmt.Sprintf("%d connections were ended by the server before the bench closed them", rep.DroppedEarly))
	}
	if rep.Mode == "drive" || rep.Mode == "watch" {
		d := rep.Delivery
		if rep.CommandErrors > 0 {
			rep.problem(fmt.Sprintf("%d of %d commands failed", rep.CommandErrors, rep.CommandsSent))
		}
		if rep.CommandsSent == 0 {
			rep.problem("no command was sent")
		}
		if d.Missing > 0 {
			rep.problem(fmt.Sprintf("%d deliveries missing across %d clients", d.Missing, d.ClientsMissingEvents))
		}
		if d.DuplicateOrOutOfOrder > 0 {
			rep.problem(fmt.Sprintf("%d %s arrived twice or out of order", d.DuplicateOrOutOfOrder, rep.unit()))
		}
		if d.NotAsPosted > 0 {
			rep.problem(fmt.Sprintf("%d segments arrived otherwise than their post made them (another segment, or not final)", d.NotAsPosted))
		}
		if d.Resnapshots > 0 {
			rep.problem(fmt.Sprintf("%d clients were sent a fresh snapshot mid-run", d.Resnapshots))
		}
	}
	rep.Passed = len(rep.Problems) == 0
}

// describeTarget names the servers loaded.
func describeTarget(cfg Config) string {
	nodes := make([]string, 0, 1+len(cfg.Nodes))
	for _, u := range cfg.nodes() {
		nodes = append(nodes, u.String())
	}
	target := strings.Join(nodes, ", ")
	if cfg.Centrifugo {
		target = "Centrifugo at " + target
	}
	return target
}

// unit names what the run delivers, and who to.
func (rep *Report) unit() string {
	if rep.Kind == KindTranscript {
		return "segments"
	}
	return "events"
}

func (rep *Report) audience() string {
	if rep.Kind == KindTranscript {
		return "viewers"
	}
	return "clients"
}

// WriteText prints the report for a person.
func (rep *Report) WriteText(w io.Writer) {
	m := rep.Machine
	fmt.Fprintf(w, "parley bench %s: %s room %q (%s)\n", rep.Kind, rep.Target, rep.Room, rep.Mode)
	fmt.Fprintf(w, "machine       %d CPUs, %s; load %s -> %s; CPU pressure %s -> %s; fd limit %d\n",
		m.CPUs, m.CPUModel, m.LoadAvgStart, m.LoadAvgEnd, m.CPUPressureStart, m.CPUPressureEnd, m.FDLimit)
	if rep.Media != nil {
		rep.Media.writeText(w)
		rep.writeVerdict(w)
		return
	}
	if rep.Clients > 0 {
		fmt.Fprintf(w, "%-14s%d connected, %d failed of %d\n", rep.audience(), rep.Connected, rep.Failed, rep.Clients)
		for _, r := range rep.FailureReasons {
			fmt.Fprintf(w, "              %d x %s\n", r.Count, r.Message)
		}
		fmt.Fprintf(w, "joins         last ready %.0f ms after the first dial (target rate %.0f/s, reached %.0f/s); join latency %s\n",
			rep.JoinWindowMs, rep.ConnectRateTarget, rep.ConnectRateReached, rep.Join)
	}
	if rep.DroppedEarly > 0 {
		fmt.Fprintf(w, "dropped       %d connections ended by the server\n", rep.DroppedEarly)
		for _, r := range rep.DroppedEarlyReasons {
			fmt.Fprintf(w, "              %d x %s\n", r.Count, r.Message)
		}
	}
	if rep.Mode == "drive" || rep.Mode == "watch" {
		d := rep.Delivery
		fmt.Fprintf(w, "commands      %d %s sent at %.2f/s, %d failed; round trip %s; latest send %.1f ms after due\n",
			rep.CommandsSent, rep.Driver, rep.Rate, rep.CommandErrors, rep.CommandRoundTrip, rep.DriverLateMaxMs)
		for _, r := range rep.CommandFailures {
			fmt.Fprintf(w, "              %d x %s\n", r.Count, r.Message)
		}
		fmt.Fprintf(w, "delivery      %d of %d (%d %s x %d %s); missing %d in %d %s; duplicate/out of order %d; not as posted %d; resnapshots %d; foreign %d\n",
			d.Delivered, d.Expected, d.EventsSent, rep.unit(), rep.Connected, rep.audience(), d.Missing, d.ClientsMissingEvents, rep.audience(),
			d.DuplicateOrOutOfOrder, d.NotAsPosted, d.Resnapshots, d.Foreign)
		fmt.Fprintf(w, "latency       from event time: %s\n", rep.Latency)
		fmt.Fprintf(w, "              from schedule:   %s\n", rep.LatencyFromSchedule)
		fmt.Fprintf(w, "              from send:       %s\n", rep.LatencyFromSend)
		if e, ok := rep.slowestEvent(); ok {
			fmt.Fprintf(w, "              slowest:         seq %d, due at +%.0f ms, command round trip %.1f ms: %s\n", e.Seq, e.DueMs, e.RoundTripMs, e.Latency)
		}
	}
	if rep.Transcript != nil {
		rep.Transcript.writeText(w, rep.Clients > 0)
	}
	if rep.SlowPathFrames > 0 {
		fmt.Fprintf(w, "bench         %d frames missed the fast parser (the server's layout changed?)\n", rep.SlowPathFrames)
	}
	mem := rep.Memory
	if mem.Before != nil && mem.Connected != nil && rep.Clients == 0 {
		fmt.Fprintf(w, "server RSS    %.1f MiB before, peak so far %.1f MiB", kibToMiB(mem.Before.RSSKiB), kibToMiB(mem.Connected.PeakKiB))
		if mem.AfterDisconnect != nil {
			fmt.Fprintf(w, ", %.1f MiB after", kibToMiB(mem.AfterDisconnect.RSSKiB))
		}
		fmt.Fprintln(w)
	} else if mem.Before != nil && mem.Connected != nil {
		fmt.Fprintf(w, "server RSS    %.1f MiB before, %.1f MiB connected (+%.1f MiB): %.1f KiB per connection, %.1f MiB per 1,000; peak %.1f MiB",
			kibToMiB(mem.Before.RSSKiB), kibToMiB(mem.Connected.RSSKiB), kibToMiB(mem.DeltaKiB), mem.PerConnKiB, mem.Per1000MiB, kibToMiB(mem.Connected.PeakKiB))
		if mem.AfterDisconnect != nil {
			fmt.Fprintf(w, "; %.1f MiB after disconnecting", kibToMiB(mem.AfterDisconnect.RSSKiB))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "server CPU    %.0f ms connecting, %.0f ms driving\n", rep.ServerCPU.ConnectMs, rep.ServerCPU.DriveMs)
	}
	rep.writeVerdict(w)
}

// writeVerdict prints the tool's own CPU and the verdict.
func (rep *Report) writeVerdict(w io.Writer) {
	if rep.Media != nil {
		fmt.Fprintf(w, "tool CPU      %.0f ms in all; elapsed %.1f s\n", rep.ToolCPUMs, rep.ElapsedMs/1000)
	} else {
		fmt.Fprintf(w, "tool CPU      %.0f ms in all, %.0f ms driving; elapsed %.1f s\n", rep.ToolCPUMs, rep.ToolCPUDriveMs, rep.ElapsedMs/1000)
	}
	if rep.Passed {
		fmt.Fprintln(w, "result        PASS")
		return
	}
	fmt.Fprintln(w, "result        FAIL")
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "              - %s\n", p)
	}
}

func (l Latency) String() string {
	if l.Count == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (n=%d)", l.P50Ms, l.P95Ms, l.P99Ms, l.P999Ms, l.MaxMs, l.Count)
}

func kibToMiB(k int64) float64 { return float64(k) / 1024 }
