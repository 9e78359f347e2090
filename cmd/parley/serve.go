package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parley-hub/parley/rooms"
	"github.com/parley-hub/parley/rooms/filestore"
	"github.com/parley-hub/parley/rooms/redisstore"
	"github.com/parley-hub/parley/server"
	"github.com/parley-hub/parley/server/auth"
	"github.com/parley-hub/parley/server/media"
	"github.com/parley-hub/parley/server/metrics"
	"github.com/parley-hub/parley/server/ratelimit"
)

// serveConfig is everything `parley serve` needs, from flags and environment.
type serveConfig struct {
	Addr         string
	DataDir      string
	RedisURL     string
	RedisPrefix  string
	Secret       string
	PublicKey    string
	Demo         bool
	Origins      []string
	Limits       ratelimit.Limits
	ShutdownWait time.Duration
	MaxRooms     int
	ICEServers   []media.ICEServer
	TURNSecret   string
	TURNTTL      time.Duration
	UDPPort      int
	PublicIPs    []string
	AdvertiseURL string
	MetricsAddr  string
	logConfig
	// RecordKey is the file of the key that signs the record's
	// checkpoints ("": the one kept in the data directory).
	RecordKey       string
	CheckpointEvery time.Duration

	// RedisCluster and RedisSentinel (the master's name) say what
	// RedisURL names: a Cluster's nodes, Sentinels, or else one Redis.
	RedisCluster  bool
	RedisSentinel string
	// RedisReplicas is how many replicas must confirm each append.
	RedisReplicas int
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("parley serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&cfg.DataDir, "data", "./data", "directory of the embedded store's journals")
	fs.StringVar(&cfg.RedisURL, "redis", getenv("PARLEY_REDIS_URL"), "use Redis at this URL instead of the embedded store (env PARLEY_REDIS_URL)")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", "parley", "prefix of Parley's Redis keys")
	fs.BoolVar(&cfg.RedisCluster, "redis-cluster", getenv("PARLEY_REDIS_CLUSTER") == "1", "--redis names a Redis Cluster: redis://host1:port1?addr=host2:port2&addr=host3:port3 (env PARLEY_REDIS_CLUSTER=1)")
	fs.StringVar(&cfg.RedisSentinel, "redis-sentinel", getenv("PARLEY_REDIS_SENTINEL"), "--redis names Sentinels (redis://host1:port1?addr=host2:port2) watching the master of this name (env PARLEY_REDIS_SENTINEL)")
	fs.IntVar(&cfg.RedisReplicas, "redis-replicas", -1, "replicas that must confirm each append (Redis WAIT) before a command is acknowledged (default 1 with --redis-sentinel, else 0)")
	fs.StringVar(&cfg.Secret, "secret", getenv("PARLEY_JWT_SECRET"), "HS256 token secret (env PARLEY_JWT_SECRET); without one, a development secret is kept in the data directory")
	fs.StringVar(&cfg.PublicKey, "jwt-public-key", "", "PEM file of an Ed25519 or RSA public key that verifies EdDSA or RS256 tokens")
	fs.Func("allowed-origin", "a browser origin, besides the server's own, allowed to open live connections and call WHIP and WHEP (repeatable; env PARLEY_ALLOWED_ORIGINS, comma-separated)", func(o string) error {
		cfg.Origins = append(cfg.Origins, o)
		return nil
	})
	if env := getenv("PARLEY_ALLOWED_ORIGINS"); env != "" {
		cfg.Origins = strings.Split(env, ",")
	}
	fs.Float64Var(&cfg.Limits.Rate, "rate-per-person", ratelimit.DefaultRate, "requests and live messages a second one person (token sub) may send, bursts of twice as many")
	fs.IntVar(&cfg.Limits.MaxConns, "max-conns-per-person", ratelimit.DefaultMaxConns, "live connections one person (token sub) may hold open on this node")
	fs.BoolVar(&cfg.Demo, "demo", false, "open a demo room and print tokens and links for each role")
	fs.DurationVar(&cfg.ShutdownWait, "shutdown-wait", 10*time.Second, "how long a shutdown (SIGTERM) may take in all: draining media sessions and live clients, then letting requests finish")
	fs.IntVar(&cfg.MaxRooms, "max-rooms", rooms.DefaultMaxRooms, "most rooms the store may hold; opening one more is refused (0: no limit)")
	fs.Func("ice-server", "a STUN or TURN server WebRTC clients are told of: stun:HOST:PORT, turn:HOST:PORT with --turn-secret, or turn:HOST:PORT,USERNAME,CREDENTIAL (repeatable)", func(v string) error {
		ice, err := parseICEServer(v)
		cfg.ICEServers = append(cfg.ICEServers, ice)
		return err
	})
	fs.StringVar(&cfg.TURNSecret, "turn-secret", getenv("PARLEY_TURN_SECRET"), "the secret shared with the TURN servers (coturn's static-auth-secret; env PARLEY_TURN_SECRET): each client gets credentials of its own for every --ice-server turn: given without any")
	fs.DurationVar(&cfg.TURNTTL, "turn-ttl", media.DefaultTURNTTL, "how long TURN credentials made from --turn-secret last; longer than the longest meeting, as a TURN server refuses to refresh an expired allocation")
	fs.Func("public-ip", "this host's address as WebRTC clients reach it through a 1:1 NAT (repeatable: one IPv4, one IPv6)", func(v string) error {
		if net.ParseIP(v) == nil {
			return fmt.Errorf("%q is not an IP address", v)
		}
		cfg.PublicIPs = append(cfg.PublicIPs, v)
		return nil
	})
	fs.IntVar(&cfg.UDPPort, "udp-port", 0, "one UDP port for every media session, so one firewall rule serves them all (0: a port per session)")
	fs.StringVar(&cfg.AdvertiseURL, "advertise-url", getenv("PARLEY_ADVERTISE_URL"), "this node's public base URL, such as https://node-a.example.org, where other nodes send the media of rooms it holds (env PARLEY_ADVERTISE_URL; needed with --redis for several nodes)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address, such as 127.0.0.1:9090, apart from the public port; it asks no token, so keep it off public networks (default: no metrics)")
	addLogFlags(fs, &cfg.logConfig, getenv)
	fs.StringVar(&cfg.RecordKey, "record-key", "", "PEM file of the Ed25519 private key that signs the record's checkpoints (default: one made and kept in the data directory; give every node sharing a store the same)")
	fs.DurationVar(&cfg.CheckpointEvery, "checkpoint-every", 10*time.Minute, "how often the record of a running room is signed, besides at its close (0: at the close only)")
	if err := fs.Parse(args); err != nil {
		return serveConfig{}, err
	}
	if err := checkRedisFlags(&cfg); err != nil {
		return serveConfig{}, err
	}
	if err := checkAdvertiseURL(cfg.AdvertiseURL); err != nil {
		return serveConfig{}, err
	}
	if cfg.TURNTTL <= 0 {
		return serveConfig{}, fmt.Errorf("serve: --turn-ttl must be above 0")
	}
	for _, ice := range cfg.ICEServers {
		if ice.Ephemeral() && cfg.TURNSecret == "" {
			return serveConfig{}, fmt.Errorf("serve: --ice-server %s: give its USERNAME,CREDENTIAL, or --turn-secret (env PARLEY_TURN_SECRET) to make them", ice.URL)
		}
	}
	if cfg.UDPPort < 0 || cfg.UDPPort > 65535 {
		return serveConfig{}, fmt.Errorf("serve: --udp-port %d is not a port", cfg.UDPPort)
	}
	if err := cfg.logConfig.check(); err != nil {
		return serveConfig{}, fmt.Errorf("serve: %w", err)
	}
	if fs.NArg() > 0 {
		return serveConfig{}, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if cfg.Limits.Rate <= 0 || cfg.Limits.MaxConns <= 0 {
		return serveConfig{}, fmt.Errorf("serve: --rate-per-person and --max-conns-per-person must be above 0")
	}
	return cfg, nil
}

// serve runs the server until ctx is cancelled, then shuts down cleanly.
func serve(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer) error {
	log := cfg.logger(stderr)
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	secret := []byte(cfg.Secret)
	if len(secret) == 0 && cfg.PublicKey == "" {
		var path string
		var created bool
		if secret, path, created, err = devSecret(cfg.DataDir); err != nil {
			return err
		}
		log.Warn("no --secret given: using the development secret kept in the data directory; for production set PARLEY_JWT_SECRET",
			"file", path, "made_now", created, "hint", "parley token --secret \"$(cat "+path+")\" issues tokens it accepts")
	}
	var pub any
	if cfg.PublicKey != "" {
		if pub, err = auth.LoadPublicKey(cfg.PublicKey); err != nil {
			return err
		}
	}
	verifier, err := auth.NewVerifier(secret, pub)
	if err != nil {
		return err
	}
	mediaCfg := media.Config{ICEServers: cfg.ICEServers, TURNSecret: []byte(cfg.TURNSecret), TURNTTL: cfg.TURNTTL,
		PublicIPs: cfg.PublicIPs, Node: cfg.AdvertiseURL}
	if cfg.RedisURL != "" && cfg.AdvertiseURL == "" {
		log.Warn("no --advertise-url: if several nodes share this Redis, a room's media sessions may be split between them")
	}
	if cfg.UDPPort != 0 {
		if mediaCfg.UDP, err = net.ListenPacket("udp", fmt.Sprintf(":%d", cfg.UDPPort)); err != nil {
			return fmt.Errorf("serve: --udp-port: %w", err)
		}
	}
	signer, keyFile, keyMade, err := recordKey(cfg.RecordKey, cfg.DataDir)
	if err != nil {
		return err
	}
	log.Info("the record's checkpoints are signed", "key_file", keyFile, "made_now", keyMade)
	var m *metrics.Metrics
	if cfg.MetricsAddr != "" {
		m = metrics.New(cfg.NodeID, version)
	}
	parley, err := wire(store, verifier, cfg.Origins, cfg.Limits, mediaCfg, m, log, rooms.WithMaxRooms(cfg.MaxRooms), rooms.WithRecordKey(signer, cfg.CheckpointEvery))
	if err != nil {
		if mediaCfg.UDP != nil {
			mediaCfg.UDP.Close()
		}
		return fmt.Errorf("serve: %w", err)
	}
	defer parley.shutdown(context.Background())
	if m != nil {
		ms, err := serveMetrics(cfg.MetricsAddr, m, log)
		if err != nil {
			return err
		}
		defer ms.shutdown(context.Background())
	}
	go parley.rooms.RunCheckpoints(ctx)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	base := "http://" + ln.Addr().String()
	log.Info("parley listening", "addr", ln.Addr().String(), "store", storeName(cfg))
	if cfg.Demo {
		if err := openDemo(ctx, parley.rooms, secret, base, stdout); err != nil {
			ln.Close()
			return err
		}
	}

	srv := server.HTTPServer(parley.handler, server.DefaultHTTPLimits, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownWait)
	defer cancel()
	parley.shutdown(shutdownCtx)
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func openStore(ctx context.Context, cfg serveConfig, log *slog.Logger) (rooms.Store, error) {
	if cfg.RedisURL == "" {
		store, err := filestore.OpenWithOptions(cfg.DataDir, filestore.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("serve: open embedded store in %s: %w", cfg.DataDir, err)
		}
		return store, nil
	}
	topology := redisstore.Single
	switch {
	case cfg.RedisCluster:
		topology = redisstore.Cluster
	case cfg.RedisSentinel != "":
		topology = redisstore.Sentinel
	}
	c, err := redisstore.Dial(cfg.RedisURL, topology, cfg.RedisSentinel)
	if err != nil {
		return nil, fmt.Errorf("serve: --redis: %w", err)
	}
	redisstore.LogTo(log)
	store := redisstore.NewWithOptions(c, redisstore.Options{Prefix: cfg.RedisPrefix, Replicas: cfg.RedisReplicas})
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := store.Ping(pingCtx); err != nil {
		store.Close()
		return nil, fmt.Errorf("serve: Redis does not answer (store %s): %w", storeName(cfg), err)
	}
	return store, nil
}

// checkRedisFlags checks the Redis flags against each other and sets the
// replicas to wait for unless given.
func checkRedisFlags(cfg *serveConfig) error {
	if (cfg.RedisCluster || cfg.RedisSentinel != "") && cfg.RedisURL == "" {
		return fmt.Errorf("serve: --redis-cluster and --redis-sentinel say what --redis names: give --redis too")
	}
	if cfg.RedisCluster && cfg.RedisSentinel != "" {
		return fmt.Errorf("serve: give --redis-cluster or --redis-sentinel, not both")
	}
	if cfg.RedisReplicas < 0 {
		cfg.RedisReplicas = 0
		if cfg.RedisSentinel != "" {
			// A failover promotes a replica: wait until one has each command.
			cfg.RedisReplicas = 1
		}
	}
	return nil
}

func storeName(cfg serveConfig) string {
	switch {
	case cfg.RedisCluster:
		return "redis cluster"
	case cfg.RedisSentinel != "":
		return "redis sentinel master " + cfg.RedisSentinel
	case cfg.RedisURL != "":
		return "redis"
	}
	return "embedded:" + cfg.DataDir
}

// parseICEServer reads --ice-server: a STUN or TURN URL (RFC 7064, RFC
// 7065), a TURN one followed by its username and credential unless they
// are to be made from --turn-secret.
func parseICEServer(v string) (media.ICEServer, error) {
	url, creds, _ := strings.Cut(v, ",")
	scheme, _, _ := strings.Cut(url, ":")
	ice := media.ICEServer{URL: url}
	switch scheme {
	case "stun", "stuns":
		if creds != "" {
			return ice, fmt.Errorf("--ice-server %s: a STUN server takes no credentials", url)
		}
	case "turn", "turns":
		if creds == "" {
			return ice, nil
		}
		var ok bool
		if ice.Username, ice.Credential, ok = strings.Cut(creds, ","); !ok || ice.Username == "" || ice.Credential == "" {
			return ice, fmt.Errorf("--ice-server %s: a TURN server needs URL,USERNAME,CREDENTIAL", url)
		}
	default:
		return ice, fmt.Errorf("--ice-server %q: the URL must start with stun:, stuns:, turn: or turns:", url)
	}
	return ice, nil
}

// checkAdvertiseURL checks that u, if set, is a base URL clients can be
// sent to: http or https, a host, nothing after it.
func checkAdvertiseURL(u string) error {
	if u == "" {
		return nil
	}
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" ||
		strings.TrimSuffix(parsed.Path, "/") != "" || parsed.RawQuery != "" || parsed.Fragment != "" {
		return fmt.Errorf("serve: --advertise-url %q: give the node's base URL, such as https://node-a.example.org", u)
	}
	return nil
}
