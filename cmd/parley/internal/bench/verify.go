package bench

// Delivery is what every client received against what the driver
// appended: the bench's verdict rests on it.
type Delivery struct {
	// EventsSent is how many events the driver's commands appended.
	EventsSent int `json:"events_sent"`
	// Expected is EventsSent for each client that joined.
	Expected  int `json:"deliveries_expected"`
	Delivered int `json:"delivered"`
	Missing   int `json:"missing"`
	// DuplicateOrOutOfOrder counts events whose seq was not above the last
	// one the client had: the protocol promises order and no repeats.
	DuplicateOrOutOfOrder int `json:"duplicate_or_out_of_order"`
	ClientsMissingEvents  int `json:"clients_missing_events"`
	// Foreign counts events no driven command appended (someone else acting
	// in the room); they are neither expected nor an error.
	Foreign int `json:"foreign_events"`
	// NotAsPosted counts deliveries of a caption post's entry whose segment
	// was not the one the post's answer gave, or not as final: each post
	// opens and finishes one line, so a viewer must see it finished, once.
	NotAsPosted int `json:"not_as_posted"`
	// Resnapshots counts snapshots (or transcript backlogs) after a client's
	// first: the server made it start over, which a healthy run never does.
	Resnapshots int `json:"resnapshots"`

	// latency from the event's server timestamp, from the time the
	// schedule said to send the command that caused it, and from the time
	// it was sent (the one basis a peer server shares).
	fromEvent, fromSchedule, fromSent []int64
	// bySeq holds each event's latencies from its server timestamp: whether
	// one event stalled or all were slow points at different causes.
	bySeq map[uint64][]int64
}

// tallyDelivery checks each joined client's events (or a viewer's segment
// changes) against the seqs the driver's commands appended. Clients joined
// before the drive began, so every appended entry is one each client must
// see exactly once, in order.
func tallyDelivery(clients []*client, cmds []commandResult) Delivery {
	due := map[uint64]int64{}          // seq -> when its command was due
	sent := map[uint64]int64{}         // seq -> when its command was sent
	want := map[uint64]postedSegment{} // seq -> the segment a caption post made
	for _, c := range cmds {
		if c.err != nil {
			continue
		}
		for _, seq := range c.seqs {
			due[seq], sent[seq] = c.dueNs, c.sentNs
		}
		for _, s := range c.segments {
			want[s.Seq] = s
		}
	}
	d := Delivery{EventsSent: len(due), bySeq: map[uint64][]int64{}}
	joined := 0
	for _, c := range clients {
		if c.joinedOK() {
			joined++
		}
	}
	d.fromEvent = make([]int64, 0, joined*len(due))
	d.fromSchedule = make([]int64, 0, joined*len(due))
	d.fromSent = make([]int64, 0, joined*len(due))
	for _, c := range clients {
		if !c.joinedOK() {
			continue
		}
		d.Expected += len(due)
		d.Resnapshots += c.resnapshot
		last, got := c.readySeq, 0
		for _, s := range c.samples {
			if s.seq <= last {
				d.DuplicateOrOutOfOrder++
				continue
			}
			last = s.seq
			dueNs, ok := due[s.seq]
			if !ok {
				d.Foreign++
				continue
			}
			got++
			if w, ok := want[s.seq]; ok && (s.segment != w.ID || s.final != w.Final) {
				d.NotAsPosted++
			}
			d.fromEvent = append(d.fromEvent, s.latNs)
			d.fromSchedule = append(d.fromSchedule, s.recvNs-dueNs)
			d.fromSent = append(d.fromSent, s.recvNs-sent[s.seq])
			d.bySeq[s.seq] = append(d.bySeq[s.seq], s.latNs)
		}
		d.Delivered += got
		if missing := len(due) - got; missing > 0 {
			d.Missing += missing
			d.ClientsMissingEvents++
		}
	}
	return d
}
