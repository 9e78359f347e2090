package server_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/live"
	"github.com/parley-hub/parley/server/live/livetest"
	"github.com/parley-hub/parley/server/ratelimit"
)

// smallPool is a node's Redis pool smaller than the number of logs its
// viewers watch.
const smallPool = 10

// Live viewers of many logs leave the Redis pool to commands: with 60 rooms
// watched, or one room followed in 16 languages, on a node whose pool is
// smaller than that, commands on another room complete, /readyz answers,
// and no command ever waits for a pooled connection. Once the viewers
// leave, the node lets go of the logs.
func TestWatchedLogsLeaveThePoolToCommands(t *testing.T) {
	langs := []string{"ar", "de", "en", "es", "fr", "hi", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sw", "tr", "zh"}
	cases := map[string]func(t *testing.T, a *api) []*livetest.Conn{
		"60 rooms": func(t *testing.T, a *api) []*livetest.Conn {
			var viewers []*livetest.Conn
			for i := range 60 {
				room := fmt.Sprintf("room-%d", i)
				a.createRoom(t, a.token(t, room, rooms.RoleChair, "chair", nil), `{"id":"`+room+`"}`)
				v := a.dial(t, room, a.token(t, room, rooms.RoleObserver, "screen", nil), "")
				v.Welcome()
				v.NextOf("snapshot")
				viewers = append(viewers, v)
			}
			return viewers
		},
		"16 languages": func(t *testing.T, a *api) []*livetest.Conn {
			plenary(t, a)
			for _, lang := range langs {
				if status, out := a.postCaption(t, captioner(t, a, lang), "plenary", "lang="+lang+"&seq=1", "Hello.\n"); status != http.StatusOK {
					t.Fatalf("caption in %s: %d %v", lang, status, out)
				}
			}
			var viewers []*livetest.Conn
			for half := range 2 { // a client follows at most 8 languages
				v := a.dial(t, "plenary", a.token(t, "plenary", rooms.RoleParticipant, fmt.Sprintf("viewer-%d", half), nil), "")
				v.Welcome()
				v.NextOf("snapshot")
				v.Send(map[string]any{"type": "transcript", "id": "t", "langs": langs[half*8 : half*8+8]})
				for range 8 {
					v.NextOf("segments")
				}
				viewers = append(viewers, v)
			}
			return viewers
		},
	}
	for name, watch := range cases {
		t.Run(name, func(t *testing.T) {
			opts := *redistest.NewClient(t).(*redis.Client).Options()
			opts.PoolSize = smallPool
			opts.PushNotificationProcessor = nil // the copy makes its own
			pool := redis.NewClient(&opts)
			store := redisstore.New(pool, redistest.Prefix(t))
			t.Cleanup(func() { store.Close() })
			// One chair opens 60 rooms and one screen watches them: far
			// beyond one person's budget and connections, not what this
			// measures.
			a := serveWithin(t, store, server.DefaultHTTPLimits, slog.New(slog.DiscardHandler), nil, func(c *live.Config) {
				c.Linger = time.Millisecond
				c.People = ratelimit.NewPeople(ratelimit.Limits{Rate: 1e9, MaxConns: 1000})
			})
			viewers := watch(t, a)

			chair := a.token(t, "other", rooms.RoleChair, "chair", nil)
			a.createRoom(t, chair, `{"id":"other"}`)
			for i := range 5 {
				a.command(t, a.token(t, "other", rooms.RoleParticipant, fmt.Sprintf("p%d", i), func(c *auth.Claims) { c.Group = "academia" }), "other", `{"type":"raise_hand"}`, http.StatusOK)
			}
			a.command(t, chair, "other", `{"type":"call_next"}`, http.StatusOK)
			if resp := a.do(t, http.MethodGet, "/readyz", "", "", nil); resp.StatusCode != http.StatusOK {
				t.Errorf("/readyz: %d", resp.StatusCode)
			}
			if st := pool.PoolStats(); st.WaitCount != 0 || st.Timeouts != 0 {
				t.Errorf("pool of %d: %d waits, %d timeouts for a connection; want none", smallPool, st.WaitCount, st.Timeouts)
			}

			for _, v := range viewers {
				v.WS.Close()
			}
			for deadline := time.Now().Add(15 * time.Second); len(a.rooms.Following()) > 0; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the viewers have left; the node still follows %v", a.rooms.Following())
				}
			}
		})
	}
}
