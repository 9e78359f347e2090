package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
)

// Centrifugo is the peer the ws kind measures Parley beside (Config.
// Centrifugo): the same clients, schedule and checks against a Centrifugo
// server speaking its JSON protocol. Each client connects with a token
// signed with the server's HMAC secret and subscribes to the channel
// Config.Room; the driver publishes through the server's HTTP API, one
// publication per command, numbered from 1 and stamped with its send time,
// from which each delivery is measured.
//
// A publication arrives as {"push":{"channel":"...","pub":{"data":{"i":N,"t":T,...},...}}}
// and a frame may carry several replies, a line each; the server's ping is
// an empty object, which the client answers in kind.

// centrifugoPad makes a publication's frame about as large as Parley's
// agenda event (about 260 bytes), so both servers write as much.
var centrifugoPad = strings.Repeat("x", 175)

var (
	centrifugoPubData = []byte(`"pub":{"data":{"i":`)
	centrifugoPubTime = []byte(`,"t":`)
	centrifugoPing    = []byte(`{}`)
)

// The ids of a client's two commands.
const (
	centrifugoConnectID   = 1
	centrifugoSubscribeID = 2
)

// centrifugoTokens signs each client's connection token: a subject of its
// own, valid for the whole run.
func centrifugoTokens(cfg Config) (credentials, error) {
	exp := jwt.NewNumericDate(time.Now().Add(cfg.Timeout + time.Hour))
	t := credentials{clients: make([]string, cfg.Clients)}
	for i := range t.clients {
		claims := jwt.RegisteredClaims{Subject: fmt.Sprintf("bench-%d", i), ExpiresAt: exp}
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(cfg.Secret)
		if err != nil {
			return credentials{}, fmt.Errorf("bench: centrifugo token of client %d: %w", i, err)
		}
		t.clients[i] = s
	}
	return t, nil
}

// sayHello connects c with its token and subscribes it to the channel, in
// one frame of two lines, as Centrifugo's JSON protocol allows.
func (c *client) sayHello(conn *websocket.Conn, token, channel string) error {
	connect, err := json.Marshal(map[string]any{"id": centrifugoConnectID, "connect": map[string]any{"token": token}})
	if err != nil {
		return err
	}
	subscribe, err := json.Marshal(map[string]any{"id": centrifugoSubscribeID, "subscribe": map[string]any{"channel": channel}})
	if err != nil {
		return err
	}
	return conn.WriteMessage(websocket.TextMessage, append(append(connect, '\n'), subscribe...))
}

// handleCentrifugo takes one frame of Centrifugo's and says whether a ping
// in it wants its pong.
func (c *client) handleCentrifugo(data []byte, now time.Time) (pong bool) {
	for line := range bytes.SplitSeq(data, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		if bytes.Equal(line, centrifugoPing) {
			pong = true
			continue
		}
		if i, sent, ok := parsePublicationFast(line); ok {
			c.recordEvent(i, sent, now)
			continue
		}
		c.centrifugoReply(line, now)
	}
	return pong
}

// parsePublicationFast reads a publication's number and send time, as the
// driver lays them out; anything else is declined.
func parsePublicationFast(line []byte) (i uint64, sent time.Time, ok bool) {
	at := bytes.Index(line, centrifugoPubData)
	if at < 0 {
		return 0, time.Time{}, false
	}
	i, rest, ok := cutUint(line[at+len(centrifugoPubData):])
	if !ok {
		return 0, time.Time{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, centrifugoPubTime); !ok {
		return 0, time.Time{}, false
	}
	ns, _, ok := cutUint(rest)
	if !ok {
		return 0, time.Time{}, false
	}
	return i, time.Unix(0, int64(ns)), true
}

// centrifugoReply takes a reply to the client's connect or subscribe: the
// subscription is the client's start of measuring.
func (c *client) centrifugoReply(line []byte, now time.Time) {
	var m struct {
		ID    int             `json:"id"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		c.badFrames++
		return
	}
	switch {
	case m.Error != nil:
		c.joinErr = fmt.Errorf("centrifugo refused command %d: %s", m.ID, m.Error)
		c.markJoined()
	case m.ID == centrifugoSubscribeID:
		c.snapshotAt = now
		c.ready(now, 0)
	case m.ID == centrifugoConnectID:
	default:
		c.other++
	}
}

// centrifugoPublish is the Centrifugo target's action: publication i+1 to
// the channel through the HTTP API, stamped with the time it is sent.
func centrifugoPublish(hc *http.Client, cfg Config) action {
	url := strings.TrimSuffix(cfg.BaseURL.String(), "/") + "/api/publish"
	return func(ctx context.Context, i int) ([]uint64, []postedSegment, error) {
		n := uint64(i + 1)
		body := fmt.Sprintf(`{"channel":%q,"data":{"i":%d,"t":%d,"pad":%q}}`, cfg.Room, n, time.Now().UnixNano(), centrifugoPad)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("X-API-Key", cfg.CentrifugoAPIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		var answer struct {
			Error json.RawMessage `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK {
			return nil, nil, fmt.Errorf("publish: HTTP %d (%v)", resp.StatusCode, err)
		}
		if answer.Error != nil {
			return nil, nil, fmt.Errorf("publish: %s", answer.Error)
		}
		return []uint64{n}, nil, nil
	}
}
