//go:build !unix

package bench

import (
	"errors"
	"runtime"
	"time"
)

// Without Unix resource limits and /proc the bench still measures delivery;
// it reports no memory or CPU figures.

var errNoProc = errors.New("bench: server memory and CPU are read from /proc, which this system lacks")

func raiseFDLimit(uint64) (uint64, error)    { return 0, nil }
func readProcMemory(int) (ProcMemory, error) { return ProcMemory{}, errNoProc }
func readProcCPU(int) (time.Duration, error) { return 0, errNoProc }
func selfCPU() time.Duration                 { return 0 }
func readMachine() Machine                   { return Machine{CPUs: runtime.NumCPU()} }
func readLoadAvg() string                    { return "" }

func readCPUPressure() string { return "" }
