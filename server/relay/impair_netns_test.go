package relay_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// netnsEnv marks the test binary run again in a network namespace of its
// own.
const netnsEnv = "PARLEY_IMPAIR_NETNS"

// TestRelayOverAPoorLinkShapedByTbf is TestRelayOverAPoorLink with the
// rate from the kernel: the test runs itself again under `unshare -n`, in
// a network namespace of its own, where a tbf qdisc at 512 kbit/s each way
// carries what goes between the relay and the proxies (on loopback, which
// only this namespace uses), and the proxies add the delay and the loss
// alone. It is skipped where namespaces or tc are not permitted (not
// root, a container without CAP_NET_ADMIN).
func TestRelayOverAPoorLinkShapedByTbf(t *testing.T) {
	if os.Getenv(netnsEnv) == "" {
		inNamespace(t)
		return
	}
	for _, args := range [][]string{{"link", "set", "lo", "mtu", "1500"}, {"link", "set", "lo", "up"}} {
		command(t, "ip", args...)
	}
	cfg := poorLink
	cfg.Rate = 0
	r := newImpaired(t, cfg, 0)
	// Class 1:1 takes all traffic but that of the relay's side of the
	// proxies, which goes to the tbf under 1:2 towards them and under 1:3
	// back. (This kernel has htb but not prio.)
	command(t, "tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "1")
	for _, class := range []string{"1:1", "1:2", "1:3"} {
		command(t, "tc", "class", "add", "dev", "lo", "parent", "1:", "classid", class, "htb", "rate", "10gbit", "quantum", "60000")
	}
	for _, class := range []string{"1:2", "1:3"} {
		command(t, "tc", "qdisc", "add", "dev", "lo", "parent", class, "tbf", "rate", "512kbit", "burst", "8kb", "limit", "32kb")
	}
	for _, port := range []int{r.udp.Addr().Port, portOf(t, r.tcp.Addr())} {
		for dir, band := range map[string]string{"dport": "1:2", "sport": "1:3"} {
			command(t, "tc", "filter", "add", "dev", "lo", "parent", "1:", "protocol", "ip", "prio", "1", "u32", "match", "ip", dir, strconv.Itoa(port), "0xffff", "flowid", band)
		}
	}
	overAPoorLink(t, r, poorLink.Rate)
	stats := command(t, "tc", "-s", "qdisc", "show", "dev", "lo")
	t.Logf("tc -s qdisc show dev lo:\n%s", stats)
	sent := regexp.MustCompile(`qdisc tbf \S+ parent 1:[23] [^\n]*\n\s*Sent (\d+) bytes`).FindAllStringSubmatch(stats, -1)
	if len(sent) != 2 {
		t.Fatalf("want two tbf qdiscs in:\n%s", stats)
	}
	for _, s := range sent {
		if n, _ := strconv.Atoi(s[1]); n < 10_000 {
			t.Errorf("a tbf qdisc sent %d bytes: the relay's traffic did not go through it", n)
		}
	}
}

// inNamespace runs the test again in a network namespace of its own, and
// passes on what it says.
func inNamespace(t *testing.T) {
	for _, tool := range []string{"unshare", "ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if out, err := exec.Command("unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "512kbit", "burst", "8kb", "limit", "32kb").CombinedOutput(); err != nil {
		t.Skipf("no network namespace with tc here: %v %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "-n", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("in its own network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the test in its network namespace: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatal("the test in its network namespace did not pass")
	}
}

// command runs name with args and returns its output, failing the test if
// it fails.
func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	port, err := strconv.Atoi(addr[i+1:])
	if err != nil {
		t.Fatal(fmt.Errorf("port of %q: %w", addr, err))
	}
	return port
}
