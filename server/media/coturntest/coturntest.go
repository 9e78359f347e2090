// Package coturntest runs a real coturn (Debian's turnserver) on
// 127.0.0.1 for tests of TURN: the media plane's and the relay's. Tests
// skip when turnserver is not installed.
package coturntest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Start runs turnserver on a free port of 127.0.0.1 with REST-API
// auth and, after args (the configuration), test ports and relaying on
// 127.0.0.1; it returns its URL once it answers STUN. The test instance
// allows loopback peers where deploy/turnserver.conf must not: the server
// under test listens there.
func Start(t *testing.T, args ...string) string {
	t.Helper()
	var logs Logs
	return StartLogging(t, &logs, args...)
}

// StartLogging is Start writing coturn's logs to logs.
func StartLogging(t *testing.T, logs *Logs, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("turnserver")
	if err != nil {
		t.Skip("turnserver is not installed (Debian: apt-get install coturn)")
	}
	// UDP only (--no-tcp): a port free for UDP may be taken for TCP, and
	// coturn then fails to start its TCP listener.
	port, relay := freeUDPPort(t), freeUDPPort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, append(args,
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", fmt.Sprintf("--listening-port=%d", port),
		fmt.Sprintf("--min-port=%d", relay), fmt.Sprintf("--max-port=%d", min(relay+49, 65535)),
		"--use-auth-secret", "--realm=parley.test", "--no-cli", "--no-tls", "--no-dtls", "--no-tcp", "--fingerprint",
		"--pidfile="+dir+"/turnserver.pid", "--userdb="+dir+"/turndb", "--log-file=stdout", "--simple-log")...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("turnserver:\n%s", logs.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitUntil(t, "turnserver answers STUN on "+addr, func() bool {
		select {
		case <-exited:
			t.Fatalf("turnserver exited:\n%s", logs.String())
		default:
		}
		return answersSTUN(addr)
	})
	return "turn:" + addr + "?transport=udp"
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// answersSTUN sends one Binding request (RFC 5389) and waits briefly for
// a response with its transaction id.
func answersSTUN(addr string) bool {
	c, err := net.Dial("udp4", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	req := make([]byte, 20)
	binary.BigEndian.PutUint16(req[0:], 0x0001)
	binary.BigEndian.PutUint32(req[4:], 0x2112A442)
	rand.Read(req[8:])
	if _, err := c.Write(req); err != nil {
		return false
	}
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	resp := make([]byte, 1500)
	n, err := c.Read(resp)
	return err == nil && n >= 20 && bytes.Equal(resp[8:20], req[8:20])
}

// Logs is a buffer the process writes while the test reads it.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Logs) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Logs) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitUntil polls cond until it holds, failing the test after 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
