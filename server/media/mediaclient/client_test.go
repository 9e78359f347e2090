package mediaclient_test

import (
	"encoding/binary"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-hub/parley/server/media/bareloop"
	"github.com/parley-hub/parley/server/media/mediaclient"
)

// TestPublishedPacketsReachASubscriber runs a publisher and a subscriber
// through the bare loop on 127.0.0.1: the subscriber's callback sees the
// payloads sent, and none once Close has returned.
func TestPublishedPacketsReachASubscriber(t *testing.T) {
	loop, err := bareloop.New(bareloop.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(loop.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(loop.Close)
	c, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.URL + "/api/v1/rooms/r/"

	var last atomic.Uint64
	var closed atomic.Bool
	var afterClose atomic.Int64
	sub, err := c.Subscribe(t.Context(), base+"whep", "", 1, func(p mediaclient.Packet) {
		if closed.Load() {
			afterClose.Add(1)
		}
		if p.Line == 0 && len(p.Payload) >= 8 {
			last.Store(binary.BigEndian.Uint64(p.Payload))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := c.Publish(t.Context(), base+"whip", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close(t.Context()) })

	// Send at a feed's pace until the subscriber has a packet.
	payload := make([]byte, 80)
	deadline := time.Now().Add(20 * time.Second)
	pace := time.NewTicker(20 * time.Millisecond)
	defer pace.Stop()
	for k := uint64(1); last.Load() == 0; k++ {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting until a packet arrives")
		}
		binary.BigEndian.PutUint64(payload, k)
		if err := pub.Send(uint16(k), uint32(k*960), payload); err != nil {
			t.Fatal(err)
		}
		<-pace.C
	}
	if err := sub.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
	for k := range uint64(5) {
		binary.BigEndian.PutUint64(payload, 1000+k)
		if err := pub.Send(uint16(1000+k), uint32(k*960), payload); err != nil {
			t.Fatal(err)
		}
	}
	if n := afterClose.Load(); n != 0 {
		t.Errorf("%d packets handed over after Close returned", n)
	}
	select {
	case <-sub.Ended():
	case <-time.After(20 * time.Second):
		t.Error("Ended stayed open after Close")
	}
}

func TestARefusedOfferSaysSo(t *testing.T) {
	loop, err := bareloop.New(bareloop.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(loop.Handler())
	t.Cleanup(srv.Close)
	c, err := mediaclient.New(mediaclient.Options{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Subscribe(t.Context(), srv.URL+"/no/such/endpoint", "", 1, func(mediaclient.Packet) {})
	if !errors.Is(err, mediaclient.ErrRefused) {
		t.Errorf("POST to a path the server does not serve: %v, want ErrRefused", err)
	}
}
