package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// The media kind starts the servers it compares the main server with, the
// bare pion loop and `parley relay`, as child processes of its own: each
// is measured as the separate process it is in production, with its own
// CPU figures.

// BaselineReady starts the line a baseline server prints on its standard
// output once it listens, followed by its base URL. It serves until its
// standard input ends.
const BaselineReady = "bare pion loop listening on "

// childStart bounds how long a child may take to say where it listens.
const childStart = 10 * time.Second

// child is a server this run started as a child process.
type child struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   *url.URL
	pid   int
	// output ends when the child's standard output and error have.
	output sync.WaitGroup
}

// announcement reads the base URL a child's line says it listens on.
type announcement func(line string) (base string, ok bool)

// baselineAnnounce is the bare pion loop's ready line.
func baselineAnnounce(line string) (string, bool) {
	base, ok := strings.CutPrefix(line, BaselineReady)
	if !ok {
		return "", false
	}
	return base, true
}

// startBaseline runs command, which serves the bare pion loop.
func startBaseline(ctx context.Context, command []string, progress io.Writer) (*child, error) {
	return startChild(ctx, "bare pion loop", exec.Command(command[0], command[1:]...), baselineAnnounce, progress)
}

// startChild runs cmd and waits for the first line of its standard output
// or error that announce reads a URL from. Its standard error goes to
// progress.
func startChild(ctx context.Context, name string, cmd *exec.Cmd, announce announcement, progress io.Writer) (*child, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	orphanProof(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, pid: cmd.Process.Pid}
	found := make(chan string, 2)
	watch := func(r io.Reader, echo io.Writer) {
		defer c.output.Done()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if base, ok := announce(sc.Text()); ok {
				select {
				case found <- base:
				default:
				}
			}
			if echo != nil {
				fmt.Fprintln(echo, sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}
	c.output.Add(2)
	go watch(stdout, nil)
	go watch(stderr, progress)
	timer := time.NewTimer(childStart)
	defer timer.Stop()
	var raw string
	select {
	case raw = <-found:
	case <-timer.C:
	case <-ctx.Done():
	}
	if raw != "" {
		c.url, err = url.Parse(raw)
	}
	if raw == "" || err != nil {
		c.stop()
		return nil, fmt.Errorf("bench: the %s did not say where it listens within %s (got %q)", name, childStart, raw)
	}
	fmt.Fprintf(progress, "bench: %s at %s, pid %d\n", name, c.url, c.pid)
	return c, nil
}

// stop ends the child: its standard input closes and it is interrupted,
// and it is killed if it has not exited shortly after.
func (c *child) stop() {
	c.stdin.Close()
	_ = c.cmd.Process.Signal(os.Interrupt)
	exited := make(chan struct{})
	go func() {
		// Wait closes the pipes only once both readers are done.
		c.output.Wait()
		_ = c.cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(closeWait):
		_ = c.cmd.Process.Kill()
		<-exited
	}
}
