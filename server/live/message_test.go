package live

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A message is written to sockets as it is: any WebSocket reader must take
// it as the frame it says, whichever of the three length encodings it has.
func TestMessagesAreFramesAnyReaderTakes(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 70000}
	payload := func(n int) []byte { return bytes.Repeat([]byte{'a' + byte(n%26)}, n) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, n := range sizes {
			if _, err := conn.NetConn().Write(newMessage(opText, payload(n)).wire); err != nil {
				return
			}
		}
		conn.NetConn().Write(pingMessage.wire)
		conn.NetConn().Write(newMessage(opText, []byte("after the ping")).wire)
		conn.ReadMessage() // until the client goes
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	pinged := false
	ws.SetPingHandler(func(string) error { pinged = true; return nil })
	for _, n := range sizes {
		typ, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reading the %d-byte message: %v", n, err)
		}
		if typ != websocket.TextMessage || !bytes.Equal(data, payload(n)) {
			t.Fatalf("the %d-byte message read as type %d, %d bytes", n, typ, len(data))
		}
	}
	if _, data, err := ws.ReadMessage(); err != nil || string(data) != "after the ping" || !pinged {
		t.Fatalf("after the ping: %q, %v; pinged %v", data, err, pinged)
	}
}
