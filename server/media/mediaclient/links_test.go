package mediaclient

import (
	"reflect"
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestICEServersOfLinkHeaders(t *testing.T) {
	got := iceServersOf([]string{
		`<stun:stun.example.net>; rel="ice-server"`,
		`<https://example.net/help>; rel=help, <turn:turn.example.net?transport=udp>; rel="ice-server"; username="1767225600:a\"b"; credential="cAZ+/r=="; credential-type="password"`,
		`<turns:t.example.net>;rel=ice-server;username=u;credential=c`,
		`garbage, <stun:s2.example.net>; rel="ice-server"`,
	})
	want := []webrtc.ICEServer{
		{URLs: []string{"stun:stun.example.net"}},
		{URLs: []string{"turn:turn.example.net?transport=udp"}, Username: `1767225600:a"b`, Credential: "cAZ+/r=="},
		{URLs: []string{"turns:t.example.net"}, Username: "u", Credential: "c"},
		{URLs: []string{"stun:s2.example.net"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func FuzzICEServersOf(f *testing.F) {
	f.Add(`<turn:t>; rel="ice-server"; username="a\"b"; credential=c`)
	f.Add(`<x`)
	f.Add(`"\`)
	f.Fuzz(func(t *testing.T, h string) { iceServersOf([]string{h}) })
}
