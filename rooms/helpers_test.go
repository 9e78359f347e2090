package rooms_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-hub/parley/rooms"
)

func types(evs []rooms.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func decode(t *testing.T, e rooms.Event, v any) {
	t.Helper()
	if err := json.Unmarshal(e.Data, v); err != nil {
		t.Fatalf("decode %s: %v", e.Type, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func byCategory(list []rooms.CategoryBalance) map[string]rooms.CategoryBalance {
	m := map[string]rooms.CategoryBalance{}
	for _, c := range list {
		m[c.Category] = c
	}
	return m
}
