package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the Sentinels of StartSentinel know the
// master by.
const SentinelMaster = "parley"

// Sentinel is a master, its two replicas and three Sentinels watching
// them, all of one test's own on loopback ports, for failover drills. Two
// replicas, so that after a failover the new master still has one to
// confirm writes (WAIT 1) while the old master comes back. Master and
// Replicas are the roles as the Sentinels last set them.
type Sentinel struct {
	t        testing.TB
	Master   *Server
	Replicas []*Server
	// Down is the old master that KillMaster left down, if any.
	Down  *Server
	Addrs []string
}

// StartSentinel starts the master, the replicas and the Sentinels, and
// waits until the Sentinels see the replicas; t is skipped without
// redis-server or redis-sentinel. All are killed when t ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		t.Skip("redistest: no redis-sentinel binary to start Sentinels of this test's own")
	}
	s := &Sentinel{t: t, Master: startServer(t)}
	for range 2 {
		s.Replicas = append(s.Replicas, startServer(t, "--replicaof", "127.0.0.1", fmt.Sprint(s.Master.port)))
	}
	for i := range 3 {
		port := freePort(t)
		// Sentinel rewrites its configuration file, so each has its own.
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		text := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %[3]s 1000\nsentinel failover-timeout %[3]s 5000\nsentinel parallel-syncs %[3]s 1\n",
			port, filepath.Dir(conf), SentinelMaster, s.Master.port)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, conf)
		if err := cmd.Start(); err != nil {
			t.Fatalf("redistest: start sentinel %d: %v", i, err)
		}
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		})
		s.Addrs = append(s.Addrs, fmt.Sprintf("127.0.0.1:%d", port))
	}
	for _, addr := range s.Addrs {
		waitPing(t, addr)
	}
	s.WaitReplica()
	s.waitSentinels(func(master string, replicas int) error {
		if master != s.Master.Addr() || replicas < len(s.Replicas) {
			return fmt.Errorf("master %s with %d replicas, want %s with %d", master, replicas, s.Master.Addr(), len(s.Replicas))
		}
		return nil
	})
	return s
}

// WaitReplica waits until the master says its replicas are online:
// synced, so WAIT counts them.
func (s *Sentinel) WaitReplica() {
	s.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Master.Addr(), MaxRetries: -1})
	defer c.Close()
	eventually(s.t, 60*time.Second, "the replicas of "+s.Master.Addr()+" to be online", func(ctx context.Context) error {
		info, err := c.Info(ctx, "replication").Result()
		if n := strings.Count(info, "state=online"); err == nil && n < len(s.Replicas) {
			err = fmt.Errorf("%d replicas online: %s", n, info)
		}
		return err
	})
}

// URL is the Sentinels' URL as `parley serve --redis-sentinel` takes it.
func (s *Sentinel) URL() string {
	return "redis://" + s.Addrs[0] + "?addr=" + strings.Join(s.Addrs[1:], "&addr=")
}

// Failover makes the Sentinels promote a replica (SENTINEL FAILOVER, the
// master left running, as in a planned switch) and waits until every
// Sentinel names the new master.
func (s *Sentinel) Failover() {
	s.t.Helper()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addrs[0]})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Failover(ctx, SentinelMaster).Err(); err != nil {
		s.t.Fatalf("redistest: SENTINEL FAILOVER: %v", err)
	}
	s.awaitPromotion()
}

// KillMaster kills the master, as a crash would, and waits until the
// Sentinels have promoted a replica. The old master stays down, in Down.
func (s *Sentinel) KillMaster() {
	s.t.Helper()
	s.Master.Stop()
	s.Down = s.Master
	s.awaitPromotion()
}

// awaitPromotion waits until every Sentinel names a replica as master and
// sets the roles as they now are.
func (s *Sentinel) awaitPromotion() {
	s.t.Helper()
	old := s.Master
	var promoted string
	s.waitSentinels(func(master string, _ int) error {
		if master == old.Addr() || promoted != "" && master != promoted {
			return fmt.Errorf("master is %s, want one of the replicas", master)
		}
		promoted = master
		return nil
	})
	replicas := []*Server{}
	if s.Down != old {
		replicas = append(replicas, old)
	}
	for _, r := range s.Replicas {
		if r.Addr() == promoted {
			s.Master = r
		} else {
			replicas = append(replicas, r)
		}
	}
	s.Replicas = replicas
	for _, r := range append([]*Server{old}, replicas...) {
		// Started again, a server follows the new master.
		r.args = []string{"--replicaof", "127.0.0.1", fmt.Sprint(s.Master.port)}
	}
}

// waitSentinels polls every Sentinel until check accepts the master it
// names and the count of replicas it sees up.
func (s *Sentinel) waitSentinels(check func(master string, replicas int) error) {
	s.t.Helper()
	for _, addr := range s.Addrs {
		c := redis.NewSentinelClient(&redis.Options{Addr: addr, MaxRetries: -1})
		eventually(s.t, 60*time.Second, "sentinel "+addr, func(ctx context.Context) error {
			m, err := c.GetMasterAddrByName(ctx, SentinelMaster).Result()
			if err != nil {
				return err
			}
			replicas, err := c.Replicas(ctx, SentinelMaster).Result()
			if err != nil {
				return err
			}
			up := 0
			for _, r := range replicas {
				if !strings.Contains(r["flags"], "down") && !strings.Contains(r["flags"], "disconnected") {
					up++
				}
			}
			return check(m[0]+":"+m[1], up)
		})
		c.Close()
	}
}
