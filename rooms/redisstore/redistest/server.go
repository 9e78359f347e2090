package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of a test's own on a free loopback port, for
// tests that take Redis down, stall it or bring it back empty, which the
// shared test Redis must never suffer. It keeps its data in an
// append-only file fsynced on every write, so Stop and Start lose nothing
// unless Wipe says so.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	args []string
	cmd  *exec.Cmd
}

// StartServer starts a redis-server of t's own and waits until it
// answers; t is skipped if there is no redis-server binary. It is killed
// when t ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	return startServer(t)
}

// startServer is StartServer with more redis-server arguments.
func startServer(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redistest: no redis-server binary to start a Redis of this test's own")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), args: args}
	t.Cleanup(s.Stop)
	s.Start()
	return s
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return fmt.Sprintf("redis://%s/0", s.Addr()) }

// Addr is the server's host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// Start starts the server again on its port, with whatever data it kept,
// and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("redistest: Start of a running server")
	}
	args := append([]string{"--bind", "127.0.0.1", "--port", fmt.Sprint(s.port), "--dir", s.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always"}, s.args...)
	s.cmd = exec.Command(s.bin, args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	waitPing(s.t, s.Addr())
}

// waitPing waits until the Redis (or Sentinel) at addr answers PING.
func waitPing(t testing.TB, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	eventually(t, 20*time.Second, "redis at "+addr+" to answer", func(ctx context.Context) error {
		return c.Ping(ctx).Err()
	})
}

// eventually calls check until it returns nil, failing t if it has not
// within limit; what names what is awaited.
func eventually(t testing.TB, limit time.Duration, what string, check func(context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: waited %s for %s: %v", limit, what, err)
		}
		time.Sleep(20 * time.Millisecond) // polling for the servers to get there
	}
}

// Stop kills the server, as a crash would; its data stays on disk.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGCONT) // a paused server dies too
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Wipe kills the server and deletes its data: the next Start is empty, as a
// Redis without persistence comes back after a restart.
func (s *Server) Wipe() {
	s.t.Helper()
	s.Stop()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
			s.t.Fatal(err)
		}
	}
}

// Checkpoint keeps a copy of the server's data as they are now (it
// restarts the server to take it) and returns restore, which brings the
// server back with that copy, as a Redis restored from an older backup
// comes back: without what was written since.
func (s *Server) Checkpoint() (restore func()) {
	s.t.Helper()
	s.Stop()
	backup := s.t.TempDir()
	s.copyDir(s.dir, backup)
	s.Start()
	return func() {
		s.t.Helper()
		s.Wipe()
		s.copyDir(backup, s.dir)
		s.Start()
	}
}

// copyDir copies the files of directory from, and of its directories,
// into directory to.
func (s *Server) copyDir(from, to string) {
	s.t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		s.t.Fatalf("redistest: copying %s: %v", from, err)
	}
}

// Pause stops the server's process without closing its connections, as a
// stalled or partitioned Redis looks: requests to it get no answer.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("redistest: server is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}
