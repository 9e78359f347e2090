package metrics_test

import (
	"context"
	"testing"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/rooms/redisstore/redistest"
	"github.com/parley-hub/parley/server/metrics"
)

// optional reports which of the shared stores' interfaces s implements.
func optional(s rooms.Store) [4]bool {
	_, follower := s.(rooms.Follower)
	_, board := s.(rooms.PresenceBoard)
	_, leases := s.(rooms.Leases)
	_, mirror := s.(rooms.BalanceMirror)
	return [4]bool{follower, board, leases, mirror}
}

func TestTheCountedStoreKeepsWhatTheStoreImplements(t *testing.T) {
	file, err := filestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	c, prefix := redistest.Client(t)
	shared := redisstore.New(c, prefix)
	defer shared.Close()
	partial := struct {
		rooms.Store
		rooms.Leases
	}{file, shared}

	m := metrics.New("node", "test")
	for name, tc := range map[string]struct {
		store rooms.Store
		want  [4]bool
	}{
		"embedded": {file, [4]bool{}},
		"redis":    {shared, [4]bool{true, true, true, true}},
		"partial":  {partial, [4]bool{false, false, true, false}},
	} {
		counted := m.Store(tc.store)
		if got := optional(counted); got != tc.want {
			t.Errorf("%s: follower, presence, leases, mirror = %v, want %v", name, got, tc.want)
		}
		if err := counted.Ping(context.Background()); err != nil {
			t.Errorf("%s: ping: %v", name, err)
		}
	}
}
