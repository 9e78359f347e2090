package bench

import (
	"context"
	"fmt"
)

// watch is the drive of a run that only watches (Config.Watch): it waits,
// for at most --drain, until every client still connected has the Events
// events after the seq they all joined at, and returns them as the
// commands another run drove. Their schedule is unknown here, so each
// event's own time stands for its due time (stampWatched).
func (r *runner) watch(ctx context.Context) []commandResult {
	var from uint64
	first, others := true, 0
	for _, c := range r.clients {
		switch {
		case !c.joinedOK():
		case first:
			from, first = c.readySeq, false
		case c.readySeq != from:
			others++
		}
	}
	if others > 0 {
		r.rep.problem(fmt.Sprintf("%d clients joined at another seq than %d: the other run drove before every watcher had joined", others, from))
	}
	cmds := make([]commandResult, r.cfg.Events)
	for i := range cmds {
		cmds[i].seqs = []uint64{from + uint64(i) + 1}
	}
	r.drain(ctx, cmds)
	return cmds
}

// stampWatched gives each watched event its time, read from a client that
// got it, as its due and send time; call it once the clients are done.
func stampWatched(clients []*client, cmds []commandResult) {
	at := map[uint64]int64{}
	for _, c := range clients {
		for _, s := range c.samples {
			if _, ok := at[s.seq]; !ok {
				at[s.seq] = s.recvNs - s.latNs
			}
		}
	}
	for i := range cmds {
		cmds[i].dueNs = at[cmds[i].seqs[0]]
		cmds[i].sentNs = cmds[i].dueNs
	}
}
