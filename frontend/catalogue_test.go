package frontend_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/parley-hub/parley/frontend"
	"github.com/parley-hub/parley/queue"
)

func catalogue(t *testing.T, lang string) map[string]any {
	t.Helper()
	data, err := fs.ReadFile(frontend.Files, "static/i18n/"+lang+".json")
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return c
}

// Every reason code the queue gives has words in every language, and the
// catalogues hold the same keys as English (bar the English-only forms of
// categories inside a sentence), so no page falls back mid-sentence.
func TestCataloguesSayEveryReasonCode(t *testing.T) {
	en := catalogue(t, "en")
	englishOnly := func(k string) bool { return strings.HasPrefix(k, "why.cat.") || strings.HasPrefix(k, "why.had.") }
	for _, lang := range []string{"en", "fr", "es", "pt", "ar"} {
		c := catalogue(t, lang)
		for _, code := range queue.ReasonCodes {
			if !slices.ContainsFunc(slices.Collect(maps.Keys(c)), func(k string) bool { return k == "why."+code || strings.HasPrefix(k, "why."+code+".") }) {
				t.Errorf("%s.json has no words for reason code %q", lang, code)
			}
		}
		for k := range en {
			if _, ok := c[k]; !ok && !englishOnly(k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
		for k := range c {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json has %q, which English does not", lang, k)
			}
		}
	}
}
