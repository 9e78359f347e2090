package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/live/livetest"
)

// shortLimits let a test see the timeouts act. Reads are cut at 500 ms;
// answers may take longer, so a busy machine's slow fsync is no failure.
var shortLimits = server.HTTPLimits{
	ReadHeaderTimeout: 500 * time.Millisecond,
	ReadTimeout:       500 * time.Millisecond,
	WriteTimeout:      1500 * time.Millisecond,
	IdleTimeout:       500 * time.Millisecond,
	MaxHeaderBytes:    server.DefaultHTTPLimits.MaxHeaderBytes,
}

// newShortAPI is a server within shortLimits whose own requests open a
// connection each: a kept-alive one could be closed by the idle timeout
// as it is reused.
func newShortAPI(t *testing.T) *api {
	t.Helper()
	a := newAPIWithin(t, shortLimits)
	a.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return a
}

// dialRaw opens a plain TCP connection to the server.
func (a *api) dialRaw(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readAnswer reads one response from conn, waiting at most 20 s: far
// beyond shortLimits, so only a server without them gets there.
func readAnswer(conn net.Conn, r *bufio.Reader) (*http.Response, error) {
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, err
}

// dripBody sends a request whose body comes a byte every 20 ms, and
// returns the server's answer and how many bytes of the body went out
// before it came. The body is 1,000 bytes: 20 s of drip.
func dripBody(t *testing.T, a *api, token string) (*http.Response, int) {
	t.Helper()
	const size = 1000
	conn := a.dialRaw(t)
	fmt.Fprintf(conn, "POST /api/v1/rooms HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", token, size)
	type answer struct {
		resp *http.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := readAnswer(conn, bufio.NewReader(conn))
		answered <- answer{resp, err}
	}()
	drip := time.NewTicker(20 * time.Millisecond)
	defer drip.Stop()
	for sent := 0; sent < size; sent++ {
		select {
		case ans := <-answered:
			if ans.err != nil {
				t.Fatalf("after %d bytes of body: %v", sent, ans.err)
			}
			return ans.resp, sent
		case <-drip.C:
			if _, err := conn.Write([]byte(" ")); err != nil {
				t.Fatalf("the connection broke after %d bytes without an answer: %v", sent, err)
			}
		}
	}
	ans := <-answered
	if ans.err != nil {
		t.Fatalf("after the whole body: %v", ans.err)
	}
	return ans.resp, size
}

func TestHTTPCutsOffADrippedBody(t *testing.T) {
	a := newShortAPI(t)
	admin := a.token(t, "*", rooms.RoleAdmin, "secretariat", nil)
	resp, sent := dripBody(t, a, admin)
	if sent == 1000 || resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("answered %d after %d of 1000 bytes; want 408 before the body is done", resp.StatusCode, sent)
	}
	if !resp.Close {
		t.Error("the connection of a cut-off body should close")
	}
}

func TestHTTPRefusesAHugeHeader(t *testing.T) {
	a := newShortAPI(t)
	conn := a.dialRaw(t)
	// The server may stop reading before the header ends: write it apart.
	go fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: parley\r\nX-Padding: %s\r\n\r\n", strings.Repeat("a", 900<<10))
	resp, err := readAnswer(conn, bufio.NewReader(conn))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 900 KiB header: %d, want 431", resp.StatusCode)
	}
	// A header of a few kilobytes, as a long token makes, is fine.
	resp = a.do(t, http.MethodGet, "/healthz", "", "", map[string]string{"X-Padding": strings.Repeat("a", 8<<10)})
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("an 8 KiB header: %d, want 200", resp.StatusCode)
	}
}

func TestHTTPClosesIdleKeepAlives(t *testing.T) {
	a := newShortAPI(t)
	conn := a.dialRaw(t)
	r := bufio.NewReader(conn)
	for i := range 2 { // the connection is kept alive between requests
		fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: parley\r\n\r\n")
		resp, err := readAnswer(conn, r)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("request %d: %v %v", i+1, resp, err)
		}
	}
	// Then it sends nothing: the server closes it.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("an idle keep-alive connection: read %v, want the server to close it (EOF)", err)
	}
}

// A live connection is read and written long after the read and write
// timeouts of the request that opened it: they apply to HTTP, not to the
// upgraded connection.
func TestWebSocketOutlivesTheHTTPTimeouts(t *testing.T) {
	a := newShortAPI(t)
	admin := a.token(t, "*", rooms.RoleAdmin, "secretariat", nil)
	a.createRoom(t, admin, `{"id":"plenary"}`)
	header := http.Header{"Authorization": {"Bearer " + a.token(t, "plenary", rooms.RoleParticipant, "amina", nil)}}
	lc := livetest.Dial(t, "ws"+strings.TrimPrefix(a.url, "http")+"/api/v1/rooms/plenary/ws", header)
	lc.NextOf("snapshot")

	// Each cut-off body shows a read timeout has passed since it began, so
	// since the live connection's request; enough of them, one after the
	// other, outlast the write timeout too.
	for passed := time.Duration(0); passed <= shortLimits.WriteTimeout; passed += shortLimits.ReadTimeout {
		if resp, sent := dripBody(t, a, admin); resp.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("drip: %d after %d bytes, want 408", resp.StatusCode, sent)
		}
	}
	lc.Send(map[string]any{"type": "ping", "id": "still-there"})
	if m := lc.NextOf("pong"); m.ID != "still-there" {
		t.Fatalf("pong %+v", m)
	}
}
