//go:build unix && !linux

package live

import "syscall"

// sendNow is one write(2) of b to a non-blocking socket.
func sendNow(fd int, b []byte) (int, error) { return syscall.Write(fd, b) }
