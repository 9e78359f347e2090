package impair

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// inFlight bounds the datagrams on their way in one direction of a flow:
// past it they are dropped as by a full queue.
const inFlight = 1024

// packet is a datagram or a TCP chunk on its way, due at its far end at.
type packet struct {
	data []byte
	at   time.Time
}

// UDP is a UDP proxy: datagrams sent to its address go to the target from
// a socket of the proxy's own for each sender (a NAT's mapping), and what
// the target sends back there comes back to the sender from the proxy's
// address.
type UDP struct {
	l      *Link
	conn   *net.UDPConn
	target *net.UDPAddr

	mu    sync.Mutex
	flows map[string]*udpFlow // by the sender's address
}

// udpFlow is one sender's mapping.
type udpFlow struct {
	client             *net.UDPAddr
	conn               *net.UDPConn // connected to the target
	toTarget, toClient chan packet
}

// UDP starts a UDP proxy on addr (such as 127.0.0.1:0) to target.
func (l *Link) UDP(addr, target string) (*UDP, error) {
	ta, err := net.ResolveUDPAddr("udp4", target)
	if err != nil {
		return nil, fmt.Errorf("impair: target %q: %w", target, err)
	}
	la, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("impair: address %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp4", la)
	if err != nil {
		return nil, fmt.Errorf("impair: %w", err)
	}
	if !l.track(conn, false) {
		conn.Close()
		return nil, ErrClosed
	}
	u := &UDP{l: l, conn: conn, target: ta, flows: map[string]*udpFlow{}}
	l.wg.Go(u.serve)
	return u, nil
}

// Addr is the proxy's address, which its clients send to.
func (u *UDP) Addr() *net.UDPAddr { return u.conn.LocalAddr().(*net.UDPAddr) }

// serve reads what clients send until the link closes.
func (u *UDP) serve() {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := u.conn.ReadFromUDP(buf)
		if err != nil {
			if isClosed(err) {
				return
			}
			continue
		}
		f := u.flow(from)
		if f == nil {
			continue
		}
		u.l.carry(u.l.up, f.toTarget, buf[:n])
	}
}

// flow is from's mapping, made on its first datagram; nil when the link
// has as many as it may or is closed.
func (u *UDP) flow(from *net.UDPAddr) *udpFlow {
	u.mu.Lock()
	defer u.mu.Unlock()
	if f := u.flows[from.String()]; f != nil {
		return f
	}
	conn, err := net.DialUDP("udp4", nil, u.target)
	if err != nil {
		return nil
	}
	if !u.l.track(conn, true) {
		conn.Close()
		return nil
	}
	f := &udpFlow{client: from, conn: conn, toTarget: make(chan packet, inFlight), toClient: make(chan packet, inFlight)}
	u.flows[from.String()] = f
	u.l.wg.Go(func() { u.back(f) })
	u.l.wg.Go(func() { u.l.deliver(u.l.up, f.toTarget, func(b []byte) { f.conn.Write(b) }) })
	u.l.wg.Go(func() { u.l.deliver(u.l.down, f.toClient, func(b []byte) { u.conn.WriteToUDP(b, f.client) }) })
	return f
}

// back reads what the target sends to f's mapping until the link closes.
func (u *UDP) back(f *udpFlow) {
	defer u.l.untrack(f.conn, true)
	buf := make([]byte, 64<<10)
	for {
		n, err := f.conn.Read(buf)
		if err != nil {
			if isClosed(err) {
				return
			}
			continue // such as ICMP's port unreachable, reported on a connected socket
		}
		u.l.carry(u.l.down, f.toClient, buf[:n])
	}
}

// carry admits a datagram to p and queues a copy of it for its writer, or
// drops it: during a cut, at random, or when a queue is full.
func (l *Link) carry(p *pipe, out chan<- packet, b []byte) {
	now := time.Now()
	if cut, _, _ := l.cut(now); cut {
		p.drop(len(b))
		return
	}
	v := p.admit(now, time.Time{}, len(b), true)
	if !v.ok {
		return
	}
	select {
	case out <- packet{data: append([]byte(nil), b...), at: v.deliver}:
	default:
		p.note(&p.count.Overflow)
	}
}

// deliver writes each datagram of in, which came through p, when it is
// due, dropping those due during a cut, until the link closes.
func (l *Link) deliver(p *pipe, in <-chan packet, write func([]byte)) {
	for {
		var d packet
		select {
		case <-l.done:
			return
		case d = <-in:
		}
		if !l.sleep(d.at, nil) {
			return
		}
		if cut, _, _ := l.cut(time.Now()); cut {
			p.note(&p.count.Cut)
			continue
		}
		write(d.data)
	}
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
