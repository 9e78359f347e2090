package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/server/media/codecs"
)

// wait is how long a test waits for a condition before it fails.
const wait = 20 * time.Second

// rig is a media plane over a real room service, behind a real HTTP server
// on 127.0.0.1 that takes the caller from X-Sub, X-Role and X-Lang headers (the
// server package's tests cover real tokens).
type rig struct {
	t     testing.TB
	svc   *rooms.Service
	plane *Plane
	url   string
	room  string
	chair rooms.Participant
}

func newRig(t testing.TB, cfg Config) *rig {
	t.Helper()
	store, err := filestore.OpenWithOptions(t.TempDir(), filestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newRigOver(t, cfg, rooms.NewService(store, slog.New(slog.DiscardHandler), nil))
}

// newRigOver is a rig over the room service svc, whose room it creates.
func newRigOver(t testing.TB, cfg Config, svc *rooms.Service) *rig {
	t.Helper()
	r := newNode(t, cfg, svc)
	if _, err := svc.Create(context.Background(), r.chair, rooms.RoomSpec{ID: r.room, Title: "Plenary"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// newNode is a rig over the room service svc, whose room exists or is
// created by the caller. With leases, the node is named by its URL.
func newNode(t testing.TB, cfg Config, svc *rooms.Service) *rig {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	r := &rig{t: t, svc: svc, room: "plenary",
		chair: rooms.Participant{Sub: "chair", Name: "Chair", Role: rooms.RoleChair, Mode: rooms.ModeInRoom}}
	mux := http.NewServeMux()
	for path, publish := range map[string]bool{"whip": true, "whep": false} {
		mux.HandleFunc("POST /rooms/{room}/"+path, serveAs(publish, func(w http.ResponseWriter, req *http.Request, c Caller) error {
			return r.plane.ServeOffer(w, req, c)
		}))
		mux.HandleFunc("/rooms/{room}/"+path+"/{session}", serveAs(publish, func(w http.ResponseWriter, req *http.Request, c Caller) error {
			return r.plane.ServeSession(w, req, c)
		}))
	}
	srv := httptest.NewUnstartedServer(mux)
	r.url = "http://" + srv.Listener.Addr().String()
	cfg.Rooms, cfg.Log, cfg.Loopback = svc, log, true
	if cfg.Leases != nil {
		cfg.Node = r.url
	}
	plane, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.plane = plane
	plane.Start()
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := plane.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return r
}

func serveAs(publish bool, serve func(http.ResponseWriter, *http.Request, Caller) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who := rooms.Participant{Sub: r.Header.Get("X-Sub"), Role: r.Header.Get("X-Role"), Mode: rooms.ModeRemote}
		who.Name, who.Lang = who.Sub, r.Header.Get("X-Lang")
		if who.Role == rooms.RoleHub {
			// "hub/nbo" is the coordinator of hub nbo.
			who.Hub, who.Lang, who.Mode = who.Lang, "", rooms.ModeHub
		}
		err := serve(w, r, Caller{Room: r.PathValue("room"), Who: who, Publish: publish, Session: r.PathValue("session")})
		if err != nil {
			http.Error(w, err.Error(), statusOf(err))
		}
	}
}

// statusOf is a stand-in for the server's error mapping.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadOffer):
		return http.StatusBadRequest
	case errors.Is(err, ErrContentType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrNoSession), errors.Is(err, rooms.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, rooms.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, rooms.ErrState):
		return http.StatusConflict
	case errors.Is(err, ErrICERestart):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrClosed), errors.Is(err, rooms.ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, rooms.ErrInvalid):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// command runs a chair's (or anyone's) command on the rig's room.
func (r *rig) command(who rooms.Participant, cmd rooms.Command) {
	r.t.Helper()
	if _, err := r.svc.Execute(context.Background(), r.room, who, cmd); err != nil {
		r.t.Fatalf("%s: %v", cmd.Type, err)
	}
}

// giveFloor has who raise a hand and the chair call them.
func (r *rig) giveFloor(who rooms.Participant) {
	r.t.Helper()
	r.command(who, rooms.Command{Type: rooms.CmdRaiseHand, Kind: "speak"})
	r.command(r.chair, rooms.Command{Type: rooms.CmdCallNext})
}

func participant(sub string) rooms.Participant {
	return rooms.Participant{Sub: sub, Name: sub, Role: rooms.RoleParticipant, Mode: rooms.ModeRemote}
}

// clientAPI is a pion client as a browser would be: Opus with NACK, VP8
// and H.264 with NACK and PLI.
func clientAPI(t testing.TB) *webrtc.API {
	t.Helper()
	return clientAPIWith(t, func(*webrtc.SettingEngine) {})
}

func clientAPIWith(t testing.TB, tune func(*webrtc.SettingEngine)) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBNACK}}},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: videoCodec(webrtc.MimeTypeVP8), PayloadType: 96},
		{RTPCodecCapability: videoCodec(webrtc.MimeTypeH264), PayloadType: 102},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	loopbackOnly(&se)
	tune(&se)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
}

// offerFrom makes pc's offer with every candidate in it.
func offerFrom(t testing.TB, pc *webrtc.PeerConnection) string {
	t.Helper()
	return settle(t, pc, func() (webrtc.SessionDescription, error) { return pc.CreateOffer(nil) })
}

// settle sets the description create makes as pc's own and returns it
// once every candidate is in it.
func settle(t testing.TB, pc *webrtc.PeerConnection, create func() (webrtc.SessionDescription, error)) string {
	t.Helper()
	desc, err := create()
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return pc.LocalDescription().SDP
}

// post sends an offer to the rig's endpoint (whip or whep) as sub with role.
func (r *rig) post(endpoint, sub, role, contentType, body string) *http.Response {
	r.t.Helper()
	return r.do(http.MethodPost, "/rooms/"+r.room+"/"+endpoint, sub, role, contentType, body)
}

// do sends a request as sub with role; a role "interpreter/fr" is an
// interpreter into fr, "hub/nbo" the coordinator of hub nbo.
func (r *rig) do(method, path, sub, role, contentType, body string) *http.Response {
	r.t.Helper()
	role, lang, _ := strings.Cut(role, "/")
	req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("X-Sub", sub)
	req.Header.Set("X-Role", role)
	req.Header.Set("X-Lang", lang)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// peer is a pion client with an open WHIP or WHEP session.
type peer struct {
	t        testing.TB
	pc       *webrtc.PeerConnection
	location string
	sub      string
}

// connect posts pc's offer and takes the answer.
func (r *rig) connect(pc *webrtc.PeerConnection, endpoint, sub, role string) *peer {
	r.t.Helper()
	resp := r.post(endpoint, sub, role, typeSDP, offerFrom(r.t, pc))
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		r.t.Fatalf("POST %s: %d %s", endpoint, resp.StatusCode, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		r.t.Fatal(err)
	}
	p := &peer{t: r.t, pc: pc, location: resp.Header.Get("Location"), sub: sub}
	r.t.Cleanup(func() { pc.Close() })
	return p
}

// publisher sends synthetic Opus: each payload carries a counter.
type publisher struct {
	*peer
	track   *webrtc.TrackLocalStaticRTP
	session *session
	seq     uint16
	ts      uint32
	sent    uint64
	// camera, of a publisher with video, sends its VP8 on the same
	// session; plis counts the keyframes it was asked for.
	camera *publisher
	plis   atomic.Int64
	// lose is how many of the next PLIs are lost on the way, never seen.
	lose atomic.Int64
	// mime is a camera's codec; keyedFor the PLIs its last keyframe
	// answered: like an encoder, it sends one at its start and after each
	// PLI.
	mime     string
	keyedFor int64
	// read counts what the server read of this track.
	read func() uint64
}

func (r *rig) publish(sub, role string, firstSeq uint16) *publisher {
	r.t.Helper()
	return r.publishWith("whip", sub, role, firstSeq, "")
}

// videoCodec is a camera's codec as browsers offer it.
func videoCodec(mime string) webrtc.RTPCodecCapability {
	c := webrtc.RTPCodecCapability{MimeType: mime, ClockRate: 90000,
		RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"}}}
	if mime == webrtc.MimeTypeH264 {
		c.SDPFmtpLine = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
	}
	return c
}

// publishWith publishes to endpoint (whip and a query) audio and, with a
// camera codec, video too.
func (r *rig) publishWith(endpoint, sub, role string, firstSeq uint16, camera string) *publisher {
	r.t.Helper()
	pc, err := clientAPI(r.t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		r.t.Fatal(err)
	}
	addTrack := func(c webrtc.RTPCodecCapability, id string) (*webrtc.TrackLocalStaticRTP, *webrtc.RTPSender) {
		track, err := webrtc.NewTrackLocalStaticRTP(c, id, sub)
		if err != nil {
			r.t.Fatal(err)
		}
		tr, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			r.t.Fatal(err)
		}
		return track, tr.Sender()
	}
	track, _ := addTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio")
	var cam *publisher
	if camera != "" {
		vtrack, sender := addTrack(videoCodec(camera), "video")
		cam = &publisher{track: vtrack, seq: firstSeq + 3000, ts: uint32(firstSeq) * 11, mime: camera, keyedFor: -1}
		go func() {
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				for _, p := range pkts {
					if _, ok := p.(*rtcp.PictureLossIndication); ok && cam.lose.Add(-1) < 0 {
						cam.lose.Store(0)
						cam.plis.Add(1)
					}
				}
			}
		}()
	}
	p := &publisher{peer: r.connect(pc, endpoint, sub, role), track: track, seq: firstSeq, ts: uint32(firstSeq) * 7, camera: cam}
	p.session = r.sessionAt(p.location)
	if cam != nil {
		cam.peer, cam.session, cam.read = p.peer, p.session, p.session.videoPackets.Load
	}
	p.read = p.session.packets.Load
	// The server reads a track once a packet comes: send until it has.
	r.until(fmt.Sprintf("%s's tracks arrive", sub), func() bool {
		audio, video := p.session.sending.Load(), cam == nil || p.session.video.Load() != nil
		if !audio {
			p.send(1)
		}
		if !video {
			cam.send(1)
		}
		return audio && video
	})
	return p
}

// sessionAt is the server's session behind a Location.
func (r *rig) sessionAt(location string) *session {
	r.t.Helper()
	s, err := r.plane.session(r.room, location[strings.LastIndex(location, "/")+1:])
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// send writes n packets, 20 ms of audio apart, carrying the next counters;
// a camera's begin with a codec header saying whether they start a
// keyframe.
func (p *publisher) send(n int) {
	p.t.Helper()
	for range n {
		p.sent++
		var payload []byte
		if p.mime != "" {
			key := p.plis.Load() > p.keyedFor
			if key {
				p.keyedFor = p.plis.Load()
			}
			payload = fakeVideoHeader(p.mime, key)
		}
		body := make([]byte, 16)
		binary.BigEndian.PutUint64(body, p.sent)
		copy(body[8:], p.sub)
		payload = append(payload, body...)
		if err := p.track.WriteRTP(&rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: p.seq, Timestamp: p.ts},
			Payload: payload,
		}); err != nil {
			p.t.Fatal(err)
		}
		p.seq++
		p.ts += 960
	}
}

// fakeVideoHeader is the first two bytes of a packet of mime, starting a
// keyframe or not: a VP8 payload descriptor and header, or an H.264 NAL
// unit header (IDR or not) and a byte.
func fakeVideoHeader(mime string, key bool) []byte {
	switch {
	case mime == webrtc.MimeTypeVP8 && key:
		return []byte{0x10, 0x00}
	case mime == webrtc.MimeTypeVP8:
		return []byte{0x10, 0x01}
	case key:
		return []byte{0x65, 0x00}
	}
	return []byte{0x41, 0x00}
}

// viewer records what each of its audio m-lines receives.
type viewer struct {
	*peer
	mu     sync.Mutex
	tracks map[string][]received // by mid
	ssrcs  map[string]uint32     // by mid, as the server sends
	mids   []string
}

type received struct {
	from    string // the publisher's sub
	counter uint64
	seq     uint16
	ts      uint32
	// key: a video packet that starts a keyframe.
	key bool
}

func (r *rig) view(sub string, audioLines int) *viewer {
	r.t.Helper()
	return r.viewWith(newViewer(r.t, audioLines), "whep", sub, rooms.RoleParticipant)
}

// viewWith connects v to endpoint (whep and a query) and waits until the
// server feeds it.
func (r *rig) viewWith(v *viewer, endpoint, sub, role string) *viewer {
	r.t.Helper()
	pc := v.pc
	v.peer = r.connect(pc, endpoint, sub, role)
	for _, x := range pc.GetTransceivers() {
		v.mids = append(v.mids, x.Mid())
	}
	s := r.sessionAt(v.location)
	r.until(sub+" is fed", func() bool {
		for _, o := range s.outs {
			if o.track.bound.Load() == nil || !o.from.has(o.track) {
				return false
			}
		}
		return true
	})
	return v
}

func (f *fanout) has(t *outTrack) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.tracks, t)
}

// sendRead sends n packets and waits until the server has read them.
func (p *publisher) sendRead(r *rig, n int) {
	p.t.Helper()
	want := p.read() + uint64(n)
	p.send(n)
	r.until(fmt.Sprintf("the server read %d packets of %s", n, p.sub), func() bool { return p.read() >= want })
}

// newViewer is a client with audioLines recvonly audio m-lines, before
// any offer.
func newViewer(t testing.TB, audioLines int) *viewer {
	t.Helper()
	return newViewerOf(t, clientAPI(t), audioLines)
}

func newViewerOf(t testing.TB, api *webrtc.API, audioLines int) *viewer {
	t.Helper()
	return newViewerLines(t, api, audioLines, 0)
}

// newViewerLines is a client with audio then video recvonly m-lines; m-line
// i of got counts them in that order.
func newViewerLines(t testing.TB, api *webrtc.API, audioLines, videoLines int) *viewer {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer{peer: &peer{t: t, pc: pc}, tracks: map[string][]received{}, ssrcs: map[string]uint32{}}
	for i := range audioLines + videoLines {
		kind := webrtc.RTPCodecTypeAudio
		if i >= audioLines {
			kind = webrtc.RTPCodecTypeVideo
		}
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		var mid string
		for _, x := range pc.GetTransceivers() {
			if x.Receiver() == recv {
				mid = x.Mid()
			}
		}
		v.mu.Lock()
		v.ssrcs[mid] = uint32(tr.SSRC())
		v.mu.Unlock()
		mime, header := tr.Codec().MimeType, 0
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			header = 2
		}
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if len(p.Payload) < header+16 {
				continue
			}
			body := p.Payload[header:]
			v.mu.Lock()
			v.tracks[mid] = append(v.tracks[mid], received{
				from: strings.TrimRight(string(body[8:16]), "\x00"), counter: binary.BigEndian.Uint64(body),
				seq: p.SequenceNumber, ts: p.Timestamp, key: header > 0 && codecs.StartsKeyframe(mime, p.Payload),
			})
			v.mu.Unlock()
		}
	})
	return v
}

// got returns what m-line i has received so far.
func (v *viewer) got(i int) []received {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]received(nil), v.tracks[v.mids[i]]...)
}

// until polls cond until it holds, failing the test after wait. cond may
// act (send a packet) to make progress.
func (r *rig) until(what string, cond func() bool) {
	r.t.Helper()
	waitUntil(r.t, what, cond)
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		<-tick.C
	}
}
