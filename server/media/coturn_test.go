package media

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// TestRelayOnlyViewerHearsTheVenueThroughCoturn starts a real coturn on
// 127.0.0.1 with a shared secret, and a viewer that may only use relayed
// candidates: it learns the TURN server and its credentials from the Link
// headers of a first answer, then receives the venue feed over WHEP
// through the relay.
func TestRelayOnlyViewerHearsTheVenueThroughCoturn(t *testing.T) {
	const secret = "shared with coturn"
	turnURL := startCoturn(t, "-n", "--static-auth-secret="+secret, "--allow-loopback-peers")
	r := newRig(t, Config{TURNSecret: []byte(secret), ICEServers: []ICEServer{{URL: turnURL}}})
	venue := r.publish("hall", rooms.RoleVenue, 100)
	hc := &http.Client{Transport: callerHeaders{sub: "amina", role: rooms.RoleParticipant}}
	whep := r.url + "/rooms/" + r.room + "/whep"

	first, err := mediaclient.New(mediaclient.Options{HTTP: hc, Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	probe, err := first.Subscribe(t.Context(), whep, "", 1, func(mediaclient.Packet) {})
	if err != nil {
		t.Fatal(err)
	}
	ice := probe.ICEServers()
	if err := probe.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(ice) != 1 || ice[0].URLs[0] != turnURL || ice[0].Username == "" {
		t.Fatalf("the answer named %+v, want %s with credentials", ice, turnURL)
	}

	relayed, err := mediaclient.New(mediaclient.Options{HTTP: hc, Loopback: true, ICEServers: ice, RelayOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var heard atomic.Uint64
	sub, err := relayed.Subscribe(t.Context(), whep, "", 1, func(p mediaclient.Packet) {
		if len(p.Payload) >= 8 {
			heard.Store(binary.BigEndian.Uint64(p.Payload))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close(t.Context()) })
	r.until("the relay-only viewer hears the venue", func() bool {
		venue.send(1)
		return heard.Load() > 0
	})
	if typ, ok := sub.LocalCandidate(); !ok || typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("connected over a %s candidate (%v), want relay", typ, ok)
	}
}

// callerHeaders names the caller as the rig's server expects.
type callerHeaders struct{ sub, role string }

func (c callerHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("X-Sub", c.sub)
	req.Header.Set("X-Role", c.role)
	return http.DefaultTransport.RoundTrip(req)
}

// TestDeployedCoturnConfigIsAccepted runs coturn with deploy/turnserver.conf
// (on test ports) and checks it took every line.
func TestDeployedCoturnConfigIsAccepted(t *testing.T) {
	var logs syncBuffer
	startCoturnLogging(t, &logs, "-c", "../../deploy/turnserver.conf")
	if bad := "Bad configuration format"; strings.Contains(logs.String(), bad) {
		t.Fatalf("coturn refused lines of the configuration:\n%s", logs.String())
	}
}

// startCoturn runs turnserver on a free port of 127.0.0.1 with REST-API
// auth and, after args (the configuration), test ports and relaying on
// 127.0.0.1; it returns its URL once it answers STUN. The test instance
// allows loopback peers where deploy/turnserver.conf must not: the server
// under test listens there.
func startCoturn(t *testing.T, args ...string) string {
	t.Helper()
	var logs syncBuffer
	return startCoturnLogging(t, &logs, args...)
}

func startCoturnLogging(t *testing.T, logs *syncBuffer, args ...string) string {
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

// syncBuffer is a buffer the process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
