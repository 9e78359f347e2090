//go:build !unix

package live

import "net"

// rawWriter is unused where sockets are not unix file descriptors: each
// client's own writer does every write.
type rawWriter struct{}

func newRawWriter(net.Conn) (*rawWriter, bool) { return nil, false }

func (*rawWriter) tryWrite([]byte) (int, error) { return 0, nil }
