package bench

import (
	"fmt"
	"io"
)

// MediaReport is the media kind's figures: the server, then the bare pion
// loop when there is one, under the same load.
type MediaReport struct {
	Packets       int           `json:"packets_counted"` // per subscriber
	RatePerSecond int           `json:"packets_per_second"`
	Targets       []MediaTarget `json:"targets"`
}

// MediaTarget is one path's run.
type MediaTarget struct {
	Name string `json:"name"`
	// URL is where the subscribers took the feed; Upstream, on the relay
	// path, is the server it was published to, in front of which the relay
	// at URL ran. The CPU figures are then the relay's.
	URL            string           `json:"url"`
	Upstream       string           `json:"upstream,omitempty"`
	Subscribers    int              `json:"subscribers"`
	Joined         int              `json:"joined"`
	Failed         int              `json:"failed"`
	FailureReasons []CountedMessage `json:"failure_reasons,omitempty"`
	// Join runs from the WHEP POST to the subscriber's first packet.
	Join         Latency `json:"join_latency"`
	JoinWindowMs float64 `json:"join_window_ms"`
	// Sent is how many packets of the window the feed sent; each joined
	// subscriber should receive each once.
	Sent       int   `json:"sent"`
	Expected   int64 `json:"expected"`
	Delivered  int64 `json:"delivered"`
	Lost       int64 `json:"lost"`
	Duplicates int   `json:"duplicates"`
	OutOfOrder int   `json:"out_of_order"`
	Foreign    int   `json:"foreign"` // packets that were not the feed's window
	// Latency runs from each packet's due time on the feed's schedule to
	// its arrival: the publisher's send, the server's fan-out and the
	// subscriber's read, which on one machine all compete for the CPUs.
	Latency Latency `json:"latency_from_schedule"`
	// MouthToEar runs from the publisher handing each packet to its
	// WebRTC stack (the time it embeds in the payload) to the subscriber
	// reading it, on the same clock: the transport's share of mouth to ear,
	// every hop included, without capture, encoding, a jitter buffer or
	// playout.
	MouthToEar Latency `json:"mouth_to_ear"`
	// DroppedEarly counts joined subscribers whose connection ended before
	// the run closed it.
	DroppedEarly int `json:"dropped_early"`
	// The CPU figures cover the window, from its first packet to the
	// drain, and are divided by the packets received over the same time
	// (Received): a server behind its feed is still writing packets from
	// before the window, which count for the CPU but not as delivered.
	MeasureMs         float64  `json:"measure_ms"`
	Received          int64    `json:"received_in_window_time"`
	ServerCPUMs       float64  `json:"server_cpu_ms"`
	ServerUsPerPacket float64  `json:"server_cpu_us_per_packet"`
	ToolCPUMs         float64  `json:"tool_cpu_ms"`
	ToolUsPerPacket   float64  `json:"tool_cpu_us_per_packet"`
	LoadAvg           string   `json:"load_avg_at_window"`
	Problems          []string `json:"problems,omitempty"`
}

func (t *MediaTarget) problem(p string) { t.Problems = append(t.Problems, p) }

// tally adds up what the subscribers counted, once they are closed.
func (t *MediaTarget) tally(subs []*mediaSub, packets int) {
	var late, transit []int64
	for _, s := range subs {
		if !s.joined() {
			continue
		}
		late = append(late, s.late...)
		transit = append(transit, s.transit...)
		t.Expected += int64(t.Sent)
		t.Delivered += s.delivered.Load()
		t.Duplicates += s.dups
		t.OutOfOrder += s.outOfOrder
		t.Foreign += s.foreign
		if s.ended {
			t.DroppedEarly++
		}
	}
	t.Lost = t.Expected - t.Delivered
	t.Latency = summarize(late)
	t.MouthToEar = summarize(transit)
	switch {
	case t.Failed > 0:
		t.problem(fmt.Sprintf("%d of %d subscribers got no packet", t.Failed, t.Subscribers))
	case t.Sent < packets:
		t.problem(fmt.Sprintf("the feed sent %d of the %d packets to count", t.Sent, packets))
	}
	if t.Lost > 0 {
		t.problem(fmt.Sprintf("%d of %d packets lost", t.Lost, t.Expected))
	}
	if t.Duplicates > 0 || t.OutOfOrder > 0 || t.Foreign > 0 {
		t.problem(fmt.Sprintf("%d duplicates, %d out of order, %d foreign packets", t.Duplicates, t.OutOfOrder, t.Foreign))
	}
	if t.DroppedEarly > 0 {
		t.problem(fmt.Sprintf("%d subscribers' connections ended before the run closed them", t.DroppedEarly))
	}
}

func (t *MediaTarget) perPacket() {
	if t.Received == 0 {
		return
	}
	t.ServerUsPerPacket = t.ServerCPUMs * 1000 / float64(t.Received)
	t.ToolUsPerPacket = t.ToolCPUMs * 1000 / float64(t.Received)
}

// judgeMedia passes a run whose every target delivered every packet to
// every subscriber once and in order.
func (rep *Report) judgeMedia() {
	for _, t := range rep.Media.Targets {
		for _, p := range t.Problems {
			rep.problem(t.Name + ": " + p)
		}
	}
	rep.Passed = len(rep.Problems) == 0
}

func (m *MediaReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "feed          one Opus stream over WHIP, %d packets/s; %d counted at every WHEP subscriber\n", m.RatePerSecond, m.Packets)
	for _, t := range m.Targets {
		cpu := "server"
		if t.Upstream != "" {
			cpu = "relay"
			fmt.Fprintf(w, "%s at %s, in front of %s\n", t.Name, t.URL, t.Upstream)
		} else {
			fmt.Fprintf(w, "%s at %s\n", t.Name, t.URL)
		}
		fmt.Fprintf(w, "  joins       %d of %d subscribers got the feed, the last %.0f ms after the first POST; POST to first packet %s\n",
			t.Joined, t.Subscribers, t.JoinWindowMs, t.Join)
		for _, r := range t.FailureReasons {
			fmt.Fprintf(w, "              %d x %s\n", r.Count, r.Message)
		}
		if t.Joined == 0 {
			fmt.Fprintln(w, "  not measured: no subscriber got the feed (see the result below)")
			continue
		}
		fmt.Fprintf(w, "  delivery    %d of %d (%d packets x %d subscribers); lost %d, duplicates %d, out of order %d, foreign %d, dropped %d\n",
			t.Delivered, t.Expected, t.Sent, t.Joined, t.Lost, t.Duplicates, t.OutOfOrder, t.Foreign, t.DroppedEarly)
		fmt.Fprintf(w, "  mouth to ear from the publisher's send to the subscriber's read %s\n", t.MouthToEar)
		fmt.Fprintf(w, "  latency     from the feed's schedule to arrival %s\n", t.Latency)
		fmt.Fprintf(w, "  CPU         %s %.0f ms: %.2f µs per packet received; tool %.0f ms: %.2f µs per packet; %d packets over %.1f s, load %s\n",
			cpu, t.ServerCPUMs, t.ServerUsPerPacket, t.ToolCPUMs, t.ToolUsPerPacket, t.Received, t.MeasureMs/1000, t.LoadAvg)
	}
}
