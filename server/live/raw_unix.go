//go:build unix

package live

import (
	"errors"
	"net"
	"syscall"
)

// rawWriter writes to a socket without waiting for it: what the kernel's
// send buffer takes now, and no more.
type rawWriter struct{ rc syscall.RawConn }

// newRawWriter returns the raw side of conn, or false when there is none
// (TLS, a pipe): the client's own writer then does every write.
func newRawWriter(conn net.Conn) (rawWriter, bool) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return rawWriter{}, false
	}
	rc, err := sc.SyscallConn()
	return rawWriter{rc}, err == nil
}

// tryWrite writes what it can of b at once and says how much; a full
// send buffer is no error, only 0 or a short count.
func (w rawWriter) tryWrite(b []byte) (int, error) {
	var n int
	var werr error
	err := w.rc.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				return true // never wait for the socket
			}
		}
	})
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
