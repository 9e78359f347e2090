package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedisFlags(t *testing.T) {
	none := func(string) string { return "" }
	for _, tc := range []struct {
		args     []string
		env      map[string]string
		cluster  bool
		sentinel string
		replicas int
		refused  string
	}{
		{args: []string{"--redis", "redis://127.0.0.1:6379/0"}},
		{args: []string{"--redis", "redis://127.0.0.1:7000?addr=127.0.0.1:7001", "--redis-cluster"}, cluster: true},
		{args: []string{"--redis", "redis://127.0.0.1:7000"}, env: map[string]string{"PARLEY_REDIS_CLUSTER": "1"}, cluster: true},
		{args: []string{"--redis", "redis://127.0.0.1:26379", "--redis-sentinel", "parley"}, sentinel: "parley", replicas: 1},
		{args: []string{"--redis", "redis://127.0.0.1:26379", "--redis-replicas", "0"}, env: map[string]string{"PARLEY_REDIS_SENTINEL": "mymaster"}, sentinel: "mymaster"},
		{args: []string{"--redis-cluster"}, refused: "give --redis"},
		{args: []string{"--redis", "redis://127.0.0.1:7000", "--redis-cluster", "--redis-sentinel", "parley"}, refused: "not both"},
	} {
		getenv := none
		if tc.env != nil {
			getenv = func(k string) string { return tc.env[k] }
		}
		cfg, err := parseServeFlags(tc.args, getenv, &bytes.Buffer{})
		if tc.refused != "" {
			if err == nil || !strings.Contains(err.Error(), tc.refused) {
				t.Errorf("%v: %v, want refused saying %q", tc.args, err, tc.refused)
			}
			continue
		}
		if err != nil || cfg.RedisCluster != tc.cluster || cfg.RedisSentinel != tc.sentinel || cfg.RedisReplicas != tc.replicas {
			t.Errorf("%v %v: cluster %v, sentinel %q, replicas %d, %v; want %v, %q, %d",
				tc.args, tc.env, cfg.RedisCluster, cfg.RedisSentinel, cfg.RedisReplicas, err, tc.cluster, tc.sentinel, tc.replicas)
		}
	}
}
