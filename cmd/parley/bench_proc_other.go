//go:build !unix

package main

import (
	"errors"
	"runtime"
	"time"
)

// Without Unix resource limits and /proc the bench still measures delivery;
// it reports no memory or CPU figures.

const benchSpareFDs = 64

var errNoProc = errors.New("bench: server memory and CPU are read from /proc, which this system lacks")

type procMemory struct {
	RSSKiB  int64 `json:"rss_kib"`
	PeakKiB int64 `json:"peak_rss_kib"`
}

type benchMachine struct {
	CPUs             int    `json:"cpus"`
	CPUModel         string `json:"cpu_model,omitempty"`
	LoadAvgStart     string `json:"load_avg_start,omitempty"`
	LoadAvgEnd       string `json:"load_avg_end,omitempty"`
	CPUPressureStart string `json:"cpu_pressure_start,omitempty"`
	CPUPressureEnd   string `json:"cpu_pressure_end,omitempty"`
	FDLimit          uint64 `json:"fd_limit"`
	EphemeralPorts   int    `json:"ephemeral_ports,omitempty"`
}

func raiseFDLimit(uint64) (uint64, error)    { return 0, nil }
func readProcMemory(int) (procMemory, error) { return procMemory{}, errNoProc }
func readProcCPU(int) (time.Duration, error) { return 0, errNoProc }
func selfCPU() time.Duration                 { return 0 }
func readMachine() benchMachine              { return benchMachine{CPUs: runtime.NumCPU()} }
func readLoadAvg() string                    { return "" }

func readCPUPressure() string { return "" }
