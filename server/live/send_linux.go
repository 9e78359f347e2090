package live

import (
	"syscall"
	"unsafe"
)

// sendNow is one non-blocking send(2) of b, made as a raw system call: it
// never blocks, so the runtime need not hand the goroutine's processor to
// another thread around it, which at thousands of sends per event kept
// the runtime's monitor waking every 20 µs and threads switching.
func sendNow(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
		syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
