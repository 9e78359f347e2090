package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvCluster names the environment variable holding the addresses of a
// Redis Cluster's masters to test against, comma-separated, such as
// 127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002.
const EnvCluster = "PARLEY_TEST_REDIS_CLUSTER"

// Cluster is a Redis Cluster for tests: the one $PARLEY_TEST_REDIS_CLUSTER
// names, shared, or three masters of one test's own. As with Client, each
// test keeps its keys under a prefix of its own.
type Cluster struct {
	Addrs []string
	// Nodes are the masters of a test's own; nil for a shared cluster.
	Nodes []*Server

	janitor redis.UniversalClient
}

// NewCluster returns the cluster $PARLEY_TEST_REDIS_CLUSTER names or,
// when it is unset, one of t's own (StartCluster).
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	env := os.Getenv(EnvCluster)
	if env == "" {
		return StartCluster(t)
	}
	return awaitCluster(t, &Cluster{Addrs: strings.Split(env, ",")})
}

// StartCluster starts three masters of t's own, whatever
// $PARLEY_TEST_REDIS_CLUSTER says, for tests that stop a master or change
// its slots, which the shared cluster must never suffer. They are killed
// when t ends; t is skipped without redis-server and redis-cli.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redistest: no redis-cli to make a Redis Cluster of this test's own")
	}
	c := &Cluster{}
	for range 3 {
		n := startServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")
		c.Nodes = append(c.Nodes, n)
		c.Addrs = append(c.Addrs, n.Addr())
	}
	create := exec.Command(cli, append(append([]string{"--cluster", "create"}, c.Addrs...), "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	return awaitCluster(t, c)
}

// awaitCluster waits until c is ok and gives it its janitor.
func awaitCluster(t testing.TB, c *Cluster) *Cluster {
	t.Helper()
	c.AwaitOK(t)
	c.janitor = c.NewClient(t)
	return c
}

// AwaitOK waits until every node of the cluster says it is ok, as after a
// master of a test's own is started again.
func (c *Cluster) AwaitOK(t testing.TB) {
	t.Helper()
	for _, addr := range c.Addrs {
		node := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		eventually(t, 30*time.Second, "cluster node "+addr+" to be ok", func(ctx context.Context) error {
			info, err := node.ClusterInfo(ctx).Result()
			if err == nil && !strings.Contains(info, "cluster_state:ok") {
				err = fmt.Errorf("cluster state not ok")
			}
			return err
		})
		node.Close()
	}
}

// URL is the cluster's URL as `parley serve --redis-cluster` takes it.
func (c *Cluster) URL() string {
	return "redis://" + c.Addrs[0] + "?addr=" + strings.Join(c.Addrs[1:], "&addr=")
}

// Client returns a new client of the cluster and a fresh key prefix,
// whose keys are deleted when t ends.
func (c *Cluster) Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	return c.NewClient(t), c.Prefix(t)
}

// Prefix returns a fresh key prefix whose keys, on every master, are
// deleted when t ends.
func (c *Cluster) Prefix(t testing.TB) string { return prefixOn(t, c.janitor) }

// NewClient returns one more client of the cluster, closed when t ends
// unless its user closed it first.
func (c *Cluster) NewClient(t testing.TB) redis.UniversalClient {
	t.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { cc.Close() }) // an error only says a store closed it already
	return cc
}
