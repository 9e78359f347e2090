package impair_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/parley-hub/parley/server/relay/internal/impair"
)

// udpEcho answers every datagram with itself, until the test ends.
func udpEcho(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			c.WriteToUDP(buf[:n], from)
		}
	}()
	return c.LocalAddr().String()
}

// tcpEcho answers every connection with what it sends, until the test ends.
func tcpEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newLink(t *testing.T, cfg impair.Config) *impair.Link {
	l := impair.New(cfg)
	t.Cleanup(l.Close)
	return l
}

func dialUDP(t *testing.T, to *net.UDPAddr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, to)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestUDPGoesThroughWithTheDelayAndLoss: every datagram echoed comes back
// no sooner than the round trip, and about the configured share is lost
// each way, as the link's counters say.
func TestUDPGoesThroughWithTheDelayAndLoss(t *testing.T) {
	const delay, n = 20 * time.Millisecond, 1000
	l := newLink(t, impair.Config{Delay: delay, Loss: 0.05, Seed: 1})
	u, err := l.UDP("127.0.0.1:0", udpEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dialUDP(t, u.Addr())
	sentAt := make([]time.Time, n)
	done := make(chan struct{})
	received := 0
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			i := binary.BigEndian.Uint32(buf[:k])
			if rtt := time.Since(sentAt[i]); rtt < 2*delay {
				t.Errorf("datagram %d back after %v, sooner than the round trip", i, rtt)
			}
			received++
		}
	}()
	pace := time.NewTicker(time.Millisecond)
	defer pace.Stop()
	for i := range n {
		sentAt[i] = time.Now()
		c.Write(binary.BigEndian.AppendUint32(nil, uint32(i)))
		<-pace.C
	}
	<-done
	s := l.Stats()
	if got := s.Up.Lost + s.Down.Lost; got != uint64(n-received) {
		t.Errorf("%d datagrams did not come back, the link counts %d lost (%+v)", n-received, got, s)
	}
	// Both ways 5%: 9.75% is lost, a standard deviation of about 9.4.
	if share := float64(n-received) / n; share < 0.06 || share > 0.14 {
		t.Errorf("lost %.3f of the datagrams going both ways, want about 0.0975", share)
	}
	if s.Up.Datagrams != n || s.Up.Overflow != 0 || s.Up.Cut != 0 {
		t.Errorf("up: %+v, want %d datagrams, none dropped but at random", s.Up, n)
	}
}

// TestTCPGoesThroughIntactAtTheRate: what a connection carries comes back
// whole and in order, no sooner than the delay and the rate allow.
func TestTCPGoesThroughIntactAtTheRate(t *testing.T) {
	const delay, rate = 20 * time.Millisecond, 512_000
	l := newLink(t, impair.Config{Delay: delay, Rate: rate, Loss: 0.5})
	_, _, c := echoes(t, l)
	start := time.Now()
	echo(t, c, "ping")
	if rtt := time.Since(start); rtt < 2*delay {
		t.Errorf("a round trip took %v, less than twice the delay", rtt)
	}

	data := make([]byte, 64<<10) // 1 s at 512 kbit/s
	rand.Read(data)
	start = time.Now()
	go c.Write(data)
	got := make([]byte, len(data))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the data came back changed")
	}
	if min := time.Duration(len(data)-2*3000) * 8 * time.Second / rate; time.Since(start) < min {
		t.Errorf("64 KiB came back in %v, sooner than the rate allows (%v)", time.Since(start), min)
	}
	if s := l.Stats(); s.Up.Bytes != uint64(len("before")+len("ping")+len(data)) || s.Up.Lost != 0 {
		t.Errorf("up: %+v, want %d bytes and nothing lost", s.Up, len("before")+len("ping")+len(data))
	}
}

// TestACutDropsUDPAndResetsTCP: during the cut datagrams are dropped, open
// connections are reset and new ones too; after it, both work again.
func TestACutDropsUDPAndResetsTCP(t *testing.T) {
	l := newLink(t, impair.Config{})
	u, p, c := echoes(t, l)

	until := l.Cut(time.Hour, impair.Reset)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !isReset(err) {
		t.Errorf("an open connection read %v during the cut, want a reset", err)
	}
	during, err := net.Dial("tcp4", p.Addr())
	if err == nil {
		defer during.Close()
		during.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := during.Read(make([]byte, 1)); !isReset(err) {
			t.Errorf("a new connection read %v during the cut, want a reset", err)
		}
	}
	uc := dialUDP(t, u.Addr())
	uc.Write([]byte("lost"))
	if s := l.Stats(); s.Up.Cut != 1 {
		waitFor(t, "the datagram to be dropped", func() bool { return l.Stats().Up.Cut == 1 })
	}
	if time.Until(until) < 59*time.Minute {
		t.Errorf("the cut ends at %v, want in an hour", until)
	}

	l.Cut(0, impair.Reset)
	after, err := net.Dial("tcp4", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	echo(t, after, "after")
	uc.Write([]byte("back"))
	buf := make([]byte, 16)
	uc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := uc.Read(buf); err != nil || string(buf[:n]) != "back" {
		t.Errorf("a datagram after the cut: %q %v", buf[:n], err)
	}
}

// TestAStallHoldsTCPUntilTheCutEnds: a connection stays open through the
// stall, and what it carries meanwhile arrives after it, whole.
func TestAStallHoldsTCPUntilTheCutEnds(t *testing.T) {
	l := newLink(t, impair.Config{Delay: 5 * time.Millisecond})
	_, _, c := echoes(t, l)
	until := l.Cut(300*time.Millisecond, impair.Stall)
	echo(t, c, "during")
	if now := time.Now(); now.Before(until) {
		t.Errorf("the echo came back %v before the stall ended", until.Sub(now))
	}
}

// TestALinkStopsWithinItsLifetime: a link its test forgot closes itself,
// and leaves no goroutine behind.
func TestALinkStopsWithinItsLifetime(t *testing.T) {
	before := runtime.NumGoroutine()
	l := impair.New(impair.Config{Lifetime: 200 * time.Millisecond})
	u, _, c := echoes(t, l)
	dialUDP(t, u.Addr()).Write([]byte("x"))
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the connection outlived the link")
	}
	l.Close()
	if _, err := l.UDP("127.0.0.1:0", "127.0.0.1:9"); !errors.Is(err, impair.ErrClosed) {
		t.Errorf("a proxy of a closed link: %v, want ErrClosed", err)
	}
	// The echo servers' goroutines end with the test; the link's are gone.
	waitFor(t, "the link's goroutines to end", func() bool { return runtime.NumGoroutine() <= before+4 })
}

// echoes puts l in front of a UDP and a TCP echo server, and returns its
// proxies and a connection through the TCP one that has been echoed.
func echoes(t *testing.T, l *impair.Link) (*impair.UDP, *impair.TCP, net.Conn) {
	t.Helper()
	u, err := l.UDP("127.0.0.1:0", udpEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.TCP("127.0.0.1:0", tcpEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp4", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	echo(t, c, "before")
	return u, p, c
}

func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != msg {
		t.Fatalf("echo of %q: %q %v", msg, buf, err)
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
