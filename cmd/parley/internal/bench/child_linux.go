package bench

import (
	"os/exec"
	"syscall"
)

// orphanProof has the kernel interrupt cmd if the bench dies without
// stopping it: a relay, unlike the bare loop, does not watch its input.
func orphanProof(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT}
}
