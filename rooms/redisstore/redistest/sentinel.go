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

// Sentinel is a master, its replica and three Sentinels watching them, all
// of one test's own on loopback ports, for failover drills. Master and
// Replica are which is which when it started; a failover swaps the roles.
type Sentinel struct {
	t               testing.TB
	Master, Replica *Server
	Addrs           []string
	sentinels       []*exec.Cmd
}

// StartSentinel starts the master, the replica and the Sentinels, and
// waits until the Sentinels see the replica; t is skipped without
// redis-server or redis-sentinel. All are killed when t ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		t.Skip("redistest: no redis-sentinel binary to start Sentinels of this test's own")
	}
	s := &Sentinel{t: t, Master: startServer(t)}
	s.Replica = startServer(t, "--replicaof", "127.0.0.1", fmt.Sprint(s.Master.port))
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
		s.sentinels = append(s.sentinels, cmd)
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		})
		s.Addrs = append(s.Addrs, fmt.Sprintf("127.0.0.1:%d", port))
	}
	for _, addr := range s.Addrs {
		waitPing(t, addr)
	}
	s.waitSentinels(func(master string, replicas int) error {
		if master != s.Master.Addr() || replicas < 1 {
			return fmt.Errorf("master %s with %d replicas, want %s with 1", master, replicas, s.Master.Addr())
		}
		return nil
	})
	return s
}

// URL is the Sentinels' URL as `parley serve --redis-sentinel` takes it.
func (s *Sentinel) URL() string {
	return "redis://" + s.Addrs[0] + "?addr=" + strings.Join(s.Addrs[1:], "&addr=")
}

// Failover makes the Sentinels promote the replica (SENTINEL FAILOVER,
// the master left running, as in a planned switch) and waits until every
// Sentinel names the new master, then swaps Master and Replica.
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
// Sentinels have promoted the replica, then swaps Master and Replica. The
// old master stays down; Start brings it back as a replica.
func (s *Sentinel) KillMaster() {
	s.t.Helper()
	s.Master.Stop()
	s.awaitPromotion()
}

func (s *Sentinel) awaitPromotion() {
	s.t.Helper()
	want := s.Replica.Addr()
	s.waitSentinels(func(master string, _ int) error {
		if master != want {
			return fmt.Errorf("master is %s, want %s", master, want)
		}
		return nil
	})
	s.Master, s.Replica = s.Replica, s.Master
	// The old master learns it is a replica once it runs again.
	s.Replica.args = []string{"--replicaof", "127.0.0.1", fmt.Sprint(s.Master.port)}
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
