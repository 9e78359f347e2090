package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"time"
)

// BaselineReady starts the line a baseline server prints on its standard
// output once it listens, followed by its base URL. It serves until its
// standard input ends.
const BaselineReady = "bare pion loop listening on "

// baselineStart bounds how long the baseline may take to listen.
const baselineStart = 10 * time.Second

// baseline is a bare pion loop this run started as a child process.
type baseline struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   *url.URL
	pid   int
}

// startBaseline runs command and waits for its BaselineReady line. Its
// standard error goes to progress.
func startBaseline(ctx context.Context, command []string, progress io.Writer) (*baseline, error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stderr = progress
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: baseline: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: baseline: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the baseline: %w", err)
	}
	b := &baseline{cmd: cmd, stdin: stdin, pid: cmd.Process.Pid}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	timer := time.NewTimer(baselineStart)
	defer timer.Stop()
	var first string
	select {
	case first = <-line:
	case <-timer.C:
	case <-ctx.Done():
	}
	raw, ok := strings.CutPrefix(first, BaselineReady)
	if ok {
		b.url, err = url.Parse(raw)
	}
	if !ok || err != nil {
		b.stop()
		return nil, fmt.Errorf("bench: the baseline did not say where it listens (got %q)", first)
	}
	fmt.Fprintf(progress, "bench: bare pion loop at %s, pid %d\n", b.url, b.pid)
	return b, nil
}

// stop ends the baseline: its standard input closes, and it is killed if
// it has not exited shortly after.
func (b *baseline) stop() {
	b.stdin.Close()
	exited := make(chan struct{})
	go func() {
		_ = b.cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(closeWait):
		_ = b.cmd.Process.Kill()
		<-exited
	}
}
