package bench

// spareFDs are descriptors the bench needs besides its clients: the
// driver's HTTP connection, /proc files, stdio, the runtime's own.
const spareFDs = 64

// ProcMemory is a process's resident memory, from /proc/<pid>/status.
type ProcMemory struct {
	RSSKiB  int64 `json:"rss_kib"`
	PeakKiB int64 `json:"peak_rss_kib"` // VmHWM: the most it has held
}

// Machine says what the figures were measured on.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model,omitempty"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute averages: on a shared
	// machine they tell how much else competed for the CPUs.
	LoadAvgStart string `json:"load_avg_start,omitempty"`
	LoadAvgEnd   string `json:"load_avg_end,omitempty"`
	// CPUPressure is /proc/pressure/cpu's "some avg10": the share of the
	// last 10 s in which something runnable waited for a CPU. Above a few
	// percent, latencies measure the neighbours as much as the server.
	CPUPressureStart string `json:"cpu_pressure_start,omitempty"`
	CPUPressureEnd   string `json:"cpu_pressure_end,omitempty"`
	FDLimit          uint64 `json:"fd_limit"`
	// EphemeralPorts is how many local ports the loopback can hand out; each
	// client uses one.
	EphemeralPorts int `json:"ephemeral_ports,omitempty"`
}
