package impair

import (
	"fmt"
	"net"
	"sync"
	"time"
)

const (
	// segment is the most a TCP chunk carries: about one segment of a
	// 1500-byte MTU, so the rate limit paces TCP as it would packets.
	segment = 1448
	// chunks bounds the chunks on their way in one direction of a
	// connection; the reader waits past it.
	chunks      = 256
	dialTimeout = 5 * time.Second
)

// TCP is a TCP proxy: each connection to its address is joined to a new
// connection to the target.
type TCP struct {
	l      *Link
	ln     net.Listener
	target string
}

// tcpConn is one connection through the proxy: the client's and the
// target's ends.
type tcpConn struct {
	client, target *net.TCPConn
	stop           chan struct{} // closed once both ends are
	once           sync.Once
	mu             sync.Mutex
	open           int // directions still carrying
}

// TCP starts a TCP proxy on addr (such as 127.0.0.1:0) to target
// (host:port).
func (l *Link) TCP(addr, target string) (*TCP, error) {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return nil, fmt.Errorf("impair: %w", err)
	}
	if !l.track(ln, false) {
		ln.Close()
		return nil, ErrClosed
	}
	t := &TCP{l: l, ln: ln, target: target}
	l.wg.Go(t.serve)
	return t, nil
}

// Addr is the proxy's address (host:port).
func (t *TCP) Addr() string { return t.ln.Addr().String() }

// serve accepts connections until the link closes: during a cut that
// resets, each is reset at once.
func (t *TCP) serve() {
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if isClosed(err) {
				return
			}
			continue
		}
		client := c.(*net.TCPConn)
		if cut, mode, _ := t.l.cut(time.Now()); cut && mode == Reset {
			resetConn(client)
			continue
		}
		up, err := net.DialTimeout("tcp4", t.target, dialTimeout)
		if err != nil {
			resetConn(client)
			continue
		}
		conn := &tcpConn{client: client, target: up.(*net.TCPConn), stop: make(chan struct{}), open: 2}
		if !t.l.addConn(conn) {
			conn.reset()
			continue
		}
		t.l.wg.Go(func() { t.l.stream(t.l.up, conn, conn.client, conn.target) })
		t.l.wg.Go(func() { t.l.stream(t.l.down, conn, conn.target, conn.client) })
	}
}

// stream carries src to dst through p, chunk by chunk, until src ends
// (then dst's write side is closed) or the connection is.
func (l *Link) stream(p *pipe, c *tcpConn, src, dst *net.TCPConn) {
	out := make(chan packet, chunks)
	l.wg.Go(func() { l.write(c, out, dst) })
	buf := make([]byte, segment)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			now := time.Now()
			var notBefore time.Time
			if cut, mode, until := l.cut(now); cut && mode == Stall {
				notBefore = until
			}
			v := p.admit(now, notBefore, n, false)
			select {
			case out <- packet{data: append([]byte(nil), buf[:n]...), at: v.deliver}:
			case <-c.stop:
				return
			case <-l.done:
				return
			}
			if v.wait > 0 && !l.sleep(now.Add(v.wait), c.stop) {
				return
			}
		}
		if err != nil {
			close(out)
			return
		}
	}
}

// write writes each chunk of in to dst when it is due (and, during a
// stall, once the stall ends), then closes dst's write side; the last of
// the connection's two writers closes it.
func (l *Link) write(c *tcpConn, in <-chan packet, dst *net.TCPConn) {
	defer c.done(l)
	for d := range in {
		if !l.sleep(d.at, c.stop) || !l.held(c) {
			return
		}
		if _, err := dst.Write(d.data); err != nil {
			c.close()
			return
		}
	}
	dst.CloseWrite()
}

// held waits out a stall; false if the connection or the link closed
// meanwhile.
func (l *Link) held(c *tcpConn) bool {
	for {
		cut, mode, until := l.cut(time.Now())
		if !cut || mode != Stall {
			return true
		}
		if !l.sleep(until, c.stop) {
			return false
		}
	}
}

// addConn keeps c to reset in a cut and close with the link; false when
// the link is closed or has all the flows it may.
func (l *Link) addConn(c *tcpConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.flows >= maxFlows {
		return false
	}
	l.flows++
	l.conns[c] = struct{}{}
	return true
}

// done is a direction of c that has finished; after both, c is closed
// and forgotten.
func (c *tcpConn) done(l *Link) {
	c.mu.Lock()
	c.open--
	last := c.open == 0
	c.mu.Unlock()
	if !last {
		return
	}
	c.close()
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.conns[c]; ok {
		l.flows--
		delete(l.conns, c)
	}
}

// close closes both ends.
func (c *tcpConn) close() {
	c.once.Do(func() {
		close(c.stop)
		c.client.Close()
		c.target.Close()
	})
}

// reset resets both ends (RST, not FIN).
func (c *tcpConn) reset() {
	c.client.SetLinger(0)
	c.target.SetLinger(0)
	c.close()
}

func resetConn(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}
