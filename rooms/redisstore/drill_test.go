package redisstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
)

// burst appends to one room, as fast as one writer can, until it has had
// past more acknowledged after disrupt returned, or limit passed. It runs
// disrupt once past appends are acknowledged, then checks that every
// acknowledged event is in the log at its seq, except those acknowledged
// while disrupt ran when atRisk, which it counts. It returns the longest
// time between two acknowledgements: how long writes stopped.
func burst(t *testing.T, s *redisstore.Store, atRisk bool, disrupt func()) (stopped time.Duration) {
	t.Helper()
	const past, limit = 50, 90 * time.Second
	ctx := t.Context()
	plenary := rooms.RoomLog("plenary")
	acked := map[uint64]string{}
	during := map[uint64]bool{} // acknowledged while disrupt ran
	var last uint64
	lastAck := time.Now()
	disrupted := make(chan struct{})
	after := -1
	for n, deadline := 1, time.Now().Add(limit); after < past; n++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d appends acknowledged after the disruption within %s, want %d", after, limit, past)
		}
		data := fmt.Sprintf(`{"n":%d}`, n)
		e := event(n)
		e.Data = json.RawMessage(data)
		out, err := s.Append(ctx, plenary, last, []rooms.Event{e})
		if err != nil {
			// Not acknowledged, and maybe appended: read where the log is.
			if !errors.Is(err, rooms.ErrUnavailable) && !errors.Is(err, rooms.ErrConflict) {
				t.Fatalf("append %d: %v, want the store unavailable", n, err)
			}
			if seq, err := s.LastSeq(ctx, plenary); err == nil {
				last = seq
			}
			time.Sleep(10 * time.Millisecond) // as a client waits before it tries again
			continue
		}
		now := time.Now()
		stopped = max(stopped, now.Sub(lastAck))
		lastAck, last = now, out[0].Seq
		acked[last] = data
		if len(acked) > past && after < 0 {
			during[last] = true
		}
		switch {
		case len(acked) == past:
			go func() { disrupt(); close(disrupted) }()
		case after >= 0:
			after++
		default:
			select {
			case <-disrupted:
				after = 0
			default:
			}
		}
	}
	log, err := s.Read(ctx, plenary, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	bySeq := map[uint64]string{}
	for _, e := range log {
		bySeq[e.Seq] = string(e.Data)
	}
	lost := 0
	for seq, data := range acked {
		if bySeq[seq] == data {
			continue
		}
		lost++
		if !atRisk || !during[seq] {
			t.Errorf("acknowledged event %d (%s) is %q in the log", seq, data, bySeq[seq])
		}
	}
	t.Logf("%d appends acknowledged, %d during the disruption, %d of those lost; writes stopped for at most %s",
		len(acked), len(during), lost, stopped.Round(time.Millisecond))
	return stopped
}

// Redis killed mid-burst and started again on its append-only file,
// fsynced on every write: nothing acknowledged is lost, and the store's
// client reconnects by itself.
func TestBurstThroughARedisRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	opts, err := redisstore.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s := redisstore.New(redis.NewClient(opts), "")
	t.Cleanup(func() { s.Close() })
	burst(t, s, false, func() { srv.Stop(); srv.Start() })
}

// A Sentinel failover during a burst: the store's client follows the
// master to its new address. After a crash, no append that a replica
// confirmed (WAIT) is lost. A planned failover (SENTINEL FAILOVER, the old
// master left running) is another matter: Sentinel promotes a replica
// without fencing the old master, which goes on taking writes, confirmed
// by the other replica, until Sentinel turns it into a replica some
// seconds later and those writes are dropped. Only appends acknowledged
// while the failover runs are at risk; this test holds it to that. When
// every replica must confirm (WAIT 2 of 2), the replica Sentinel promotes
// has every acknowledged append, since once it is promoted the old master
// can no longer have two confirm: a planned failover then loses nothing.
func TestBurstThroughASentinelFailover(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		planned  bool
		replicas int
	}{
		{"planned", true, 1},
		{"crash", false, 1},
		{"planned, every replica confirms", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sentinel := redistest.StartSentinel(t)
			s := sentinelStoreWaiting(t, sentinel, "", tc.replicas)
			burst(t, s, tc.planned && tc.replicas == 1, func() {
				if tc.planned {
					sentinel.Failover()
				} else {
					sentinel.KillMaster()
				}
			})
		})
	}
}
