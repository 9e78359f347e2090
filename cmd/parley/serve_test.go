package main

import (
	"net/http"
	"strings"
	"testing"
)

// `parley serve` runs with server.HTTPServer's limits: a 900 KiB header,
// which a server without MaxHeaderBytes takes, is refused.
func TestServeBoundsRequestHeaders(t *testing.T) {
	srv := start(t, "--data", t.TempDir())
	req, err := http.NewRequest("GET", srv.url+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("a", 900<<10))
	// The answer comes while the header is still being written; the
	// transport returns it before the write fails.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a 900 KiB header: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 900 KiB header: %d, want 431", resp.StatusCode)
	}
}
