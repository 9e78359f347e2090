//go:build unix

package live

import (
	"errors"
	"net"
	"syscall"
)

// rawWriter writes to a socket without waiting for it: what the kernel's
// send buffer takes now, and no more. Only the client's writer of the
// moment uses it (client.writing).
type rawWriter struct {
	rc syscall.RawConn
	// send is w.sendPending bound once: a closure made per write would be
	// an allocation per message per client.
	send func(fd uintptr)
	// pending is the write in progress: its bytes, then what it did.
	pending []byte
	n       int
	err     error
}

// newRawWriter returns the raw side of conn, or false when there is none
// (TLS, a pipe): the client's own writer then does every write.
func newRawWriter(conn net.Conn) (*rawWriter, bool) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	w := &rawWriter{rc: rc}
	w.send = w.sendPending
	return w, true
}

// tryWrite writes what it can of b at once and says how much; a full
// send buffer is no error, only 0 or a short count. It goes through
// Control, not Write: Control keeps the descriptor open while it runs,
// which is all a write that never waits needs, and skips arming the
// poller for a wait that never comes.
func (w *rawWriter) tryWrite(b []byte) (int, error) {
	w.pending, w.n, w.err = b, 0, nil
	err := w.rc.Control(w.send)
	n, werr := w.n, w.err
	w.pending = nil
	switch {
	case err != nil:
		return 0, err
	case errors.Is(werr, syscall.EAGAIN):
		return 0, nil
	case werr != nil:
		return 0, werr
	}
	return n, nil
}

func (w *rawWriter) sendPending(fd uintptr) {
	for {
		w.n, w.err = sendNow(int(fd), w.pending)
		if w.err != syscall.EINTR {
			return
		}
	}
}
