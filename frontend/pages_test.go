package frontend_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/parley-hub/parley/frontend"
)

// page is what a test reads of a served page.
type page struct {
	ids     map[string]bool
	refs    []string // ids named by for= and aria-*= attributes
	keys    []string // catalogue keys of data-i18n and data-i18n-attr
	scripts []string // script modules, as paths under static/
	text    string   // the page's source as served
}

// getPage fetches path from srv and parses it as HTML.
func getPage(t *testing.T, srv *httptest.Server, urlPath string) page {
	t.Helper()
	resp, err := http.Get(srv.URL + urlPath)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET %s: %d %s", urlPath, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("GET %s: %v", urlPath, err)
	}
	p := page{ids: map[string]bool{}, text: string(body)}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "id":
				if p.ids[a.Val] {
					t.Errorf("GET %s: id %q twice", urlPath, a.Val)
				}
				p.ids[a.Val] = true
			case a.Key == "for", a.Key == "aria-labelledby", a.Key == "aria-describedby", a.Key == "aria-controls", a.Key == "data-heading":
				p.refs = append(p.refs, strings.Fields(a.Val)...)
			case a.Key == "data-i18n":
				p.keys = append(p.keys, a.Val)
			case a.Key == "data-i18n-attr":
				for _, pair := range strings.Split(a.Val, ";") {
					_, key, _ := strings.Cut(pair, ":")
					p.keys = append(p.keys, strings.TrimSpace(key))
				}
			case n.Data == "script" && a.Key == "src":
				p.scripts = append(p.scripts, strings.TrimPrefix(a.Val, "/"))
			}
		}
	}
	return p
}

var (
	imports = regexp.MustCompile(`(?:from\s+|import\s*\(\s*)'\./([\w-]+\.js)'`)
	idUses  = regexp.MustCompile(`(?:\$|getElementById)\('([\w-]+)'\)|querySelector(?:All)?\('#([\w-]+)`)
)

// frame is the module of what every page talking to a room shares (its
// status line, alert and announcer): each page calls the part it needs,
// so not all of its lookups are every page's.
const frame = "static/js/page.js"

// idsUsed are the ids the script module at file and the modules it
// imports, but the frame, look up by a literal name, each with the module
// that does.
func idsUsed(t *testing.T, file string) map[string]string {
	t.Helper()
	used := map[string]string{}
	seen := map[string]bool{}
	queue := []string{file}
	for len(queue) > 0 {
		file, queue = queue[0], queue[1:]
		if seen[file] || file == frame {
			continue
		}
		seen[file] = true
		src, err := fs.ReadFile(frontend.Files, file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			queue = append(queue, path.Join(path.Dir(file), m[1]))
		}
		for _, m := range idUses.FindAllStringSubmatch(string(src), -1) {
			used[m[1]+m[2]] = file
		}
	}
	return used
}

// Every page, rendered from its templates and served, is HTML with no
// template syntax left, has every element its scripts look up by id and
// every element its labels and ARIA attributes name, each id once, and
// words for each of its catalogue keys.
func TestPagesHaveWhatTheirScriptsNeed(t *testing.T) {
	mux := http.NewServeMux()
	frontend.Mount(mux, frontend.All)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var en map[string]any
	if data, err := fs.ReadFile(frontend.Files, "static/i18n/en.json"); err != nil || json.Unmarshal(data, &en) != nil {
		t.Fatalf("en.json: %v", err)
	}
	for _, pg := range frontend.All {
		urlPath := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(pg.Pattern, "GET "), "{room}", "plenary"), "{$}", "")
		t.Run(pg.File, func(t *testing.T) {
			p := getPage(t, srv, urlPath)
			for _, leftover := range []string{"{{", "}}", "<no value>", "ZgotmplZ"} {
				if i := strings.Index(p.text, leftover); i >= 0 {
					t.Errorf("%q left in the page: %q", leftover, p.text[max(0, i-40):min(len(p.text), i+40)])
				}
			}
			if len(p.scripts) != 1 {
				t.Fatalf("script modules %q, want the page's one", p.scripts)
			}
			for id, module := range idsUsed(t, p.scripts[0]) {
				if !p.ids[id] {
					t.Errorf("%s looks up #%s, which the page lacks", module, id)
				}
			}
			for _, id := range p.refs {
				if !p.ids[id] {
					t.Errorf("an attribute names #%s, which the page lacks", id)
				}
			}
			for _, key := range p.keys {
				if _, ok := en[key]; !ok {
					t.Errorf("catalogue key %q has no words in en.json", key)
				}
			}
		})
	}
}
