//go:build unix

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// raiseFDLimit lifts the soft limit on open files to the hard one: each
// client is a socket, and shells default to 1,024. It fails when even the
// hard limit cannot hold need descriptors.
func raiseFDLimit(need uint64) (limit uint64, err error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("bench: read the open-file limit: %w", err)
	}
	if rl.Cur < rl.Max {
		raised := rl
		raised.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			rl = raised
		}
	}
	if rl.Cur < need {
		return rl.Cur, fmt.Errorf("bench: the open-file limit is %d (hard %d) but %d clients need about %d: raise it (ulimit -Hn, /etc/security/limits.conf) or use fewer --clients",
			rl.Cur, rl.Max, need-spareFDs, need)
	}
	return rl.Cur, nil
}

func readProcMemory(pid int) (ProcMemory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcMemory{}, fmt.Errorf("bench: server memory: %w", err)
	}
	var m ProcMemory
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmRSS":
			dst = &m.RSSKiB
		case "VmHWM":
			dst = &m.PeakKiB
		default:
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return ProcMemory{}, fmt.Errorf("bench: server memory: %s: %w", key, err)
		}
		*dst = n
	}
	if m.RSSKiB == 0 {
		return ProcMemory{}, fmt.Errorf("bench: server memory: no VmRSS in /proc/%d/status", pid)
	}
	return m, nil
}

// procTicksPerSecond is USER_HZ, the unit of /proc/<pid>/stat's CPU times.
// Linux fixes it at 100 for user space whatever the kernel's own HZ.
const procTicksPerSecond = 100

// readProcCPU is the user plus system CPU time pid has used.
func readProcCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: server CPU: %w", err)
	}
	// The command name is in parentheses and may hold spaces: count the
	// fields after its closing parenthesis, where field 3 (state) begins.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: server CPU: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: server CPU: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: server CPU: malformed times in /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / procTicksPerSecond, nil
}

// selfCPU is the user plus system CPU time this process has used, which on a
// shared machine is CPU the server did not get.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), LoadAvgStart: readLoadAvg(), CPUPressureStart: readCPUPressure()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil {
				m.EphemeralPorts = hi - lo + 1
			}
		}
	}
	return m
}

func readLoadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// readCPUPressure is the "some avg10" figure of /proc/pressure/cpu, in
// percent, or "" where the kernel does not report pressure.
func readCPUPressure() string {
	data, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "avg10="); ok {
				return v + "%"
			}
		}
	}
	return ""
}
