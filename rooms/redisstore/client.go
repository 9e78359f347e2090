package redisstore

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Client timeouts that the Parse functions set unless the URL does: a
// Redis that is down or stalled fails a request within a few seconds
// instead of holding it, and the server answers 503.
const (
	DialTimeout  = time.Second
	ReadTimeout  = 2 * time.Second
	WriteTimeout = 2 * time.Second
	PoolTimeout  = 2 * time.Second
	MaxRetries   = 1
	// DialRetries bounds the dials of one connection attempt.
	DialRetries = 2
)

// Topology says what a Redis URL names.
type Topology int

const (
	// Single is one Redis: redis://host:port/db.
	Single Topology = iota
	// Cluster is a Redis Cluster: the URL's host and each addr parameter
	// are seed nodes, redis://host1:port1?addr=host2:port2&addr=host3:port3.
	Cluster
	// Sentinel is a master watched by Sentinels: the URL's host and each
	// addr parameter are Sentinels, and the master is named apart.
	Sentinel
)

// Dial returns a client of the Redis that url names as topology says
// (master is the Sentinel master's name, for Sentinel only), with the
// timeouts above for those the URL leaves unset and the context's deadline
// honoured. It connects lazily: nothing is dialled before the first call.
func Dial(url string, topology Topology, master string) (redis.UniversalClient, error) {
	switch topology {
	case Cluster:
		opts, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, err
		}
		// A cluster's node clients never retry themselves: the cluster
		// client follows MOVED and retries across nodes (MaxRedirects).
		defaults(&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.DialerRetries, nil)
		opts.ContextTimeoutEnabled = true
		return redis.NewClusterClient(opts), nil
	case Sentinel:
		if master == "" {
			return nil, fmt.Errorf("redisstore: a Sentinel URL needs the master's name")
		}
		opts, err := redis.ParseFailoverURL(url)
		if err != nil {
			return nil, err
		}
		opts.MasterName = master
		defaults(&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.DialerRetries, &opts.MaxRetries)
		opts.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(opts), nil
	default:
		opts, err := ParseURL(url)
		if err != nil {
			return nil, err
		}
		return redis.NewClient(opts), nil
	}
}

// ParseURL is redis.ParseURL with the timeouts above for those the URL
// leaves unset, and the context's deadline honoured.
func ParseURL(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	defaults(&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.DialerRetries, &opts.MaxRetries)
	opts.ContextTimeoutEnabled = true
	return opts, nil
}

// defaults sets each of the fields that is zero to the constant above;
// retries may be nil where the client must not retry by itself.
func defaults(dial, read, write, pool *time.Duration, dialRetries, retries *int) {
	set := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	set(dial, DialTimeout)
	set(read, ReadTimeout)
	set(write, WriteTimeout)
	set(pool, PoolTimeout)
	if *dialRetries == 0 {
		*dialRetries = DialRetries
	}
	if retries != nil && *retries == 0 {
		*retries = MaxRetries
	}
}
