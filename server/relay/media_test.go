package relay_test

import (
	"context"
	"encoding/binary"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/server/media/mediaclient"
	"github.com/parley-hub/parley/server/media/relaymedia"
	"github.com/parley-hub/parley/server/protocol"
	"github.com/parley-hub/parley/server/relay"
)

// localSubscribers is how many local pion subscribers the media test
// opens: 40 by default on a shared 2-core machine, the issue's 200 with
// PARLEY_RELAY_SUBSCRIBERS=200.
func localSubscribers(t *testing.T) int {
	if v := os.Getenv("PARLEY_RELAY_SUBSCRIBERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("PARLEY_RELAY_SUBSCRIBERS=%q: want a count", v)
		}
		return n
	}
	return 40
}

// venue publishes a 50 packet/s Opus stream to the main server until the
// test ends (at most 5 minutes of it) and returns the count of packets
// sent.
func venue(t *testing.T, m *mainServer, client *mediaclient.Client) *atomic.Int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, err := client.Publish(ctx, m.url+"/api/v1/rooms/plenary/whip", m.token(t, rooms.RoleVenue, "hall", nil))
	if err != nil {
		t.Fatal(err)
	}
	return micSource(t, pub)
}

// startMediaRelay starts a relay with media in front of m, and returns
// it, the pion client it uses (for the test's own sessions too) and its
// local feed.
func startMediaRelay(t *testing.T, m *mainServer) (*localRelay, *mediaclient.Client, *relaymedia.Feed) {
	t.Helper()
	client, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	r, feed := startMediaRelayWith(t, relay.Config{Upstream: m.url, Token: m.hubToken(t)}, client)
	return r, client, feed
}

// startMediaRelayWith starts a relay of cfg with media, whose upstream
// sessions client opens with the options of cfg.Media if it has any, and
// returns it and its local feed.
func startMediaRelayWith(t *testing.T, cfg relay.Config, client *mediaclient.Client) (*localRelay, *relaymedia.Feed) {
	t.Helper()
	feed, err := relaymedia.New(relaymedia.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)
	var media relay.Media
	if cfg.Media != nil {
		media = *cfg.Media
	}
	media.Client, media.Feed = client, feed
	cfg.Media = &media
	return startRelayWith(t, cfg), feed
}

// TestRelayFansTheFeedOutFromOneUpstreamSession: every local subscriber
// receives the venue feed, while the main server sees one WHEP session
// and one live connection from the hub, whatever the number of them.
func TestRelayFansTheFeedOutFromOneUpstreamSession(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	before := m.hub.Clients()
	r, client, feed := startMediaRelay(t, m)
	sent := venue(t, m, client)

	n := localSubscribers(t)
	got := make([]atomic.Int64, n)
	subs := make([]*mediaclient.Subscriber, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8) // offers at once: a busy machine answers them in turn
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			lines := 1 + i%2 // players with the venue alone, pages with the floor too
			sub, err := client.Subscribe(ctx, r.url+"/api/v1/rooms/plenary/whep", issue(t, localSecret, rooms.RoleObserver, "viewer"+strconv.Itoa(i), nil), lines, func(p mediaclient.Packet) {
				if p.Line == 0 {
					got[i].Add(1)
				}
			})
			if err != nil {
				errs <- err
				return
			}
			subs[i] = sub
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range subs {
			s.Close(context.Background())
		}
	})
	waitFor(t, "every local subscriber to receive the feed", func() bool {
		for i := range got {
			if got[i].Load() < 25 {
				return false
			}
		}
		return true
	})
	waitFor(t, "the live link", func() bool { return r.Status().Up })
	if v := feed.Viewers(); v != n {
		t.Errorf("the relay has %d WHEP sessions, want %d", v, n)
	}
	if w := m.wheps.Load(); w != 1 {
		t.Errorf("the main server was sent %d WHEP offers, want 1: the relay's one session", w)
	}
	if c := m.hub.Clients() - before; c != 1 {
		t.Errorf("the main server has %d live connections from the hub, want 1", c)
	}

	// What comes down the link per second of the feed (50 packets), for
	// the README: it does not depend on the number of local viewers.
	s0, p0 := r.Status(), sent.Load()
	waitFor(t, "5 more seconds of the feed", func() bool { return sent.Load() >= p0+250 })
	s1, p1 := r.Status(), sent.Load()
	seconds := float64(p1-p0) / 50
	t.Logf("%d local viewers: upstream %.1f kbit/s of RTP and %.2f kbit/s of live messages per second of feed (payloads, without UDP/SRTP or TCP/TLS overhead)",
		n, float64(s1.MediaBytes-s0.MediaBytes)*8/1000/seconds, float64(s1.LiveBytes-s0.LiveBytes)*8/1000/seconds)
}

// micSource sends a 50 packet/s stream of 80-byte packets (about 32
// kbit/s, a voice in Opus) through pub until the test ends (at most 5
// minutes of it) and returns the count of packets sent. Each payload
// begins with its packet's index and the Unix nanosecond it was sent, so
// receivers can tell which arrived, and when.
func micSource(t *testing.T, pub *mediaclient.Publisher) *atomic.Int64 {
	var sent atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		payload := make([]byte, 80)
		for i := range 50 * 300 {
			select {
			case <-stop:
				return
			case <-tick.C:
				binary.BigEndian.PutUint64(payload, uint64(i))
				binary.BigEndian.PutUint64(payload[8:], uint64(time.Now().UnixNano()))
				pub.Send(uint16(i), uint32(i*960), payload)
				sent.Add(1)
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
		pub.Close(context.Background())
	})
	return &sent
}

// TestHubVoiceGoesUpstreamOnlyWhileTheHubHoldsTheFloor: the hub console's
// microphone, published to the relay, is heard on the main server's floor
// track once the chair gives the hub the floor, and the relay's upstream
// WHIP session is open only while it holds it.
func TestHubVoiceGoesUpstreamOnlyWhileTheHubHoldsTheFloor(t *testing.T) {
	m := newMain(t)
	chair := m.plenary(t)
	r, client, _ := startMediaRelay(t, m)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var heard atomic.Int64
	listener, err := client.Subscribe(ctx, m.url+"/api/v1/rooms/plenary/whep", m.token(t, rooms.RoleParticipant, "listener", nil), 2, func(p mediaclient.Packet) {
		if p.Line == 1 {
			heard.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close(context.Background()) })
	micToken := issue(t, localSecret, rooms.RoleHub, "coordinator", nil)
	if _, err := client.Publish(ctx, r.url+"/api/v1/rooms/plenary/whip", issue(t, localSecret, rooms.RoleParticipant, "amina", nil)); err == nil {
		t.Error("a local participant published the hub's microphone")
	}
	mic, err := client.Publish(ctx, r.url+"/api/v1/rooms/plenary/whip", micToken)
	if err != nil {
		t.Fatal(err)
	}
	micSource(t, mic)

	waitFor(t, "the relay to have the hub's microphone", func() bool { return r.Status().MicPackets >= 50 })
	if s := r.Status(); s.Speaking || heard.Load() != 0 {
		t.Fatalf("before the hub has the floor: speaking %v, %d packets heard upstream, want none", s.Speaking, heard.Load())
	}

	coordinator := follow(r.dial(t, rooms.RoleHub, "coordinator", ""))
	coordinator.Welcome()
	coordinator.Send(map[string]any{"type": "command", "id": "h1", "command": map[string]any{"type": "raise_hand", "kind": "speak"}})
	if a := coordinator.until(func(m protocol.ServerMessage) bool { return m.ID == "h1" }); a.Type != protocol.TypeAck {
		t.Fatalf("raise through the relay: %+v", a)
	}
	post(t, m.url, "/api/v1/rooms/plenary/commands", chair, `{"type":"call_next"}`, http.StatusOK)
	waitFor(t, "the hub to be heard in the plenary", func() bool { return heard.Load() >= 25 })

	post(t, m.url, "/api/v1/rooms/plenary/commands", chair, `{"type":"release"}`, http.StatusOK)
	waitFor(t, "the relay to stop sending upstream", func() bool { return !r.Status().Speaking })
	after, mics := heard.Load(), r.Status().MicPackets
	waitFor(t, "50 more packets of the microphone", func() bool { return r.Status().MicPackets >= mics+50 })
	if more := heard.Load() - after; more > 10 {
		t.Errorf("%d packets of the hub heard after it lost the floor, want at most those in flight", more)
	}
}

// TestRelayRefusesBadMediaRequests: what is not an offer, or names no
// session, is refused with a clear status.
func TestRelayRefusesBadMediaRequests(t *testing.T) {
	m := newMain(t)
	m.plenary(t)
	r, _, _ := startMediaRelay(t, m)
	tok := issue(t, localSecret, rooms.RoleObserver, "screen", nil)
	for _, tc := range []struct {
		method, path, ctype, body string
		want                      int
	}{
		{http.MethodPost, "/whep", "text/plain", "hello", http.StatusBadRequest},
		{http.MethodPost, "/whep", "application/sdp", "not sdp", http.StatusBadRequest},
		{http.MethodPost, "/whip", "application/sdp", "not sdp", http.StatusForbidden}, // not the coordinator
		{http.MethodDelete, "/whep/nosuch", "", "", http.StatusNotFound},
	} {
		req, err := http.NewRequest(tc.method, r.url+"/api/v1/rooms/plenary"+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s (%s): %d, want %d", tc.method, tc.path, tc.ctype, resp.StatusCode, tc.want)
		}
	}
}
