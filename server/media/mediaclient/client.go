// Package mediaclient is a WHIP publisher and a WHEP receiver over pion,
// as a browser or a broadcast encoder would be: Opus (asking for in-band
// FEC) and VP8 or H.264 video, with NACK and RTCP reports. Parley's load
// tool, the relay's upstream sessions and tests use it; it lives beside
// the media plane because only server/media imports pion.
//
// A Publisher sends the RTP packets it is given; a Subscriber hands every
// packet it receives to a callback and counts nothing itself.
//
// Locks: Client.mu guards the ICE servers learned from answers;
// Subscriber.mu guards its read loops. Both are leaves.
package mediaclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/webrtc/v4"

	"github.com/parley-hub/parley/server/media/codecs"
)

// ErrRefused is a WHIP or WHEP POST the server did not answer with 201.
// The error wrapping it is a *Refusal.
var ErrRefused = errors.New("mediaclient: offer refused")

// Refusal is an offer the server refused: its status, what it said, and
// how long it asked to wait before another (Retry-After; 0 if it did not).
type Refusal struct {
	Status     int
	Body       string
	RetryAfter time.Duration
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("%v: HTTP %d: %s", ErrRefused, r.Status, r.Body)
}

func (r *Refusal) Unwrap() error { return ErrRefused }

// Options tune a Client.
type Options struct {
	// HTTP makes the WHIP and WHEP requests; nil: http.DefaultClient.
	HTTP *http.Client
	// Loopback gathers candidates on loopback alone, without mDNS, for a
	// server started with media.Config.Loopback (tests on one machine).
	Loopback bool
	// ICEServers are the STUN and TURN servers sessions gather through,
	// such as those an earlier answer named (ICEServers of a session).
	ICEServers []webrtc.ICEServer
	// RelayOnly uses relayed candidates alone (ICE transport policy
	// relay), as a client that reaches the server only through TURN.
	RelayOnly bool
	// LearnICEServers gathers each session through the ICE servers the
	// last answer named too (RFC 9725 §4.6), as a browser would: how a
	// client that may only use TURN gets its credentials. The load tool
	// leaves it off, so its sessions do not take TURN allocations.
	LearnICEServers bool
}

// AddICEServer adds a STUN or TURN server (with a TURN server's
// username and credential) for sessions to gather through, for callers
// that do not name pion's types.
func (o *Options) AddICEServer(url, username, credential string) {
	o.ICEServers = append(o.ICEServers, webrtc.ICEServer{URLs: []string{url}, Username: username, Credential: credential})
}

// ErrNoCandidates is a session offered without a single candidate (only
// relayed ones allowed, and no TURN server known yet): it cannot connect,
// so it is ended at once. With LearnICEServers the next session gathers
// through the servers its answer named.
var ErrNoCandidates = errors.New("mediaclient: no candidate to offer")

// Client opens sessions; it is safe for concurrent use.
type Client struct {
	api   *webrtc.API
	hc    *http.Client
	opts  Options
	mu    sync.Mutex
	learn []webrtc.ICEServer // from the last answer, with LearnICEServers
}

// New builds a client.
func New(opts Options) (*Client, error) {
	m := &webrtc.MediaEngine{}
	if err := codecs.Register(m, true, true); err != nil {
		return nil, fmt.Errorf("mediaclient: %w", err)
	}
	// What a browser needs: NACKs both ways and RTCP reports.
	reg := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, fmt.Errorf("mediaclient: %w", err)
	}
	resp, err := nack.NewResponderInterceptor()
	if err != nil {
		return nil, fmt.Errorf("mediaclient: %w", err)
	}
	reg.Add(gen)
	reg.Add(resp)
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("mediaclient: %w", err)
	}
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if opts.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	hc := opts.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	return &Client{api: api, hc: hc, opts: opts}, nil
}

// newPeerConnection is a session's peer connection, gathering through the
// ICE servers given and those learned.
func (c *Client) newPeerConnection() (*webrtc.PeerConnection, error) {
	pcc := webrtc.Configuration{ICEServers: c.opts.ICEServers}
	if c.opts.RelayOnly {
		pcc.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	c.mu.Lock()
	pcc.ICEServers = append(slices.Clip(pcc.ICEServers), c.learn...)
	c.mu.Unlock()
	pc, err := c.api.NewPeerConnection(pcc)
	if err != nil {
		return nil, fmt.Errorf("mediaclient: new peer connection: %w", err)
	}
	return pc, nil
}

// session is an open WHIP or WHEP session.
type session struct {
	pc       *webrtc.PeerConnection
	hc       *http.Client
	token    string
	location string // absolute URL of the session, for DELETE
	ice      []webrtc.ICEServer
	answer   string
}

// offer sends pc's offer, with every candidate in it, to endpoint and
// applies the answer.
func (c *Client) offer(ctx context.Context, pc *webrtc.PeerConnection, endpoint, token string) (*session, error) {
	desc, err := pc.CreateOffer(nil)
	if err != nil {
		return nil, fmt.Errorf("mediaclient: create offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return nil, fmt.Errorf("mediaclient: set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, fmt.Errorf("mediaclient: gathering candidates: %w", ctx.Err())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		return nil, fmt.Errorf("mediaclient: %w", err)
	}
	req.Header.Set("Content-Type", "application/sdp")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mediaclient: POST %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("mediaclient: POST %s: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusCreated {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, &Refusal{Status: resp.StatusCode, Body: strings.TrimSpace(string(body)), RetryAfter: time.Duration(secs) * time.Second}
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("mediaclient: Location: %w", err)
	}
	s := &session{pc: pc, hc: c.hc, token: token, location: loc.String(), ice: iceServersOf(resp.Header.Values("Link")), answer: string(body)}
	if c.opts.LearnICEServers {
		c.mu.Lock()
		c.learn = s.ice
		c.mu.Unlock()
	}
	if !strings.Contains(pc.LocalDescription().SDP, "a=candidate:") {
		s.close(ctx)
		return nil, ErrNoCandidates
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: s.answer}); err != nil {
		return nil, fmt.Errorf("mediaclient: the answer: %w", err)
	}
	return s, nil
}

// close ends the session: a DELETE on its Location (best effort, bounded
// by ctx), then the peer connection.
func (s *session) close(ctx context.Context) error {
	var delErr error
	if req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.location, nil); err == nil {
		if s.token != "" {
			req.Header.Set("Authorization", "Bearer "+s.token)
		}
		if resp, err := s.hc.Do(req); err != nil {
			delErr = fmt.Errorf("mediaclient: DELETE: %w", err)
		} else {
			resp.Body.Close()
		}
	}
	return errors.Join(delErr, s.pc.Close())
}

// Location is the session's URL.
func (s *session) Location() string { return s.location }

// Answer is the server's SDP answer, as it sent it.
func (s *session) Answer() string { return s.answer }

// ICEServers are the STUN and TURN servers the answer named (RFC 9725
// §4.6), for the client's next sessions.
func (s *session) ICEServers() []webrtc.ICEServer { return s.ice }

// LocalCandidate is the type of this end's candidate in the selected
// pair, once connected: relay when media goes through TURN.
func (s *session) LocalCandidate() (webrtc.ICECandidateType, bool) {
	for _, tr := range s.pc.GetTransceivers() {
		dtls := tr.Receiver().Transport()
		if tr.Direction() == webrtc.RTPTransceiverDirectionSendonly {
			dtls = tr.Sender().Transport()
		}
		if dtls == nil {
			continue
		}
		if pair, err := dtls.ICETransport().GetSelectedCandidatePair(); err == nil && pair != nil {
			return pair.Local.Typ, true
		}
	}
	return 0, false
}

// endpoint resolves a WHIP or WHEP URL.
func endpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("mediaclient: %q is not an http(s) URL", raw)
	}
	return u.String(), nil
}
