package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
)

// rendered are the pages' HTML by file name, rendered once from their
// templates: a page is fixed bytes, served and tagged like a static file.
var rendered = mustRender(Files)

// mustRender renders every page; the templates are part of the binary, so
// a mistake in them is a programming error, found by the package's tests.
func mustRender(fsys fs.FS) map[string][]byte {
	pages, err := render(fsys)
	if err != nil {
		panic(err)
	}
	return pages
}

// render executes each page (*.html) with the partials of templates/: the
// shared head, a room page's top bar and alert box, the body of the pages
// that follow the plenary from a seat.
func render(fsys fs.FS) (map[string][]byte, error) {
	partials, err := template.New("").Funcs(template.FuncMap{"dict": dict, "list": list}).ParseFS(fsys, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("frontend: partials: %w", err)
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string][]byte{}
	for _, name := range names {
		page, err := renderPage(partials, fsys, name)
		if err != nil {
			return nil, fmt.Errorf("frontend: page %s: %w", name, err)
		}
		pages[name] = page
	}
	return pages, nil
}

// renderPage parses the page name, a file at the root of fsys, into its own copy of the partials, so
// the templates one page defines to fill a partial's slots are not
// another page's, and executes it.
func renderPage(partials *template.Template, fsys fs.FS, name string) ([]byte, error) {
	t, err := partials.Clone()
	if err != nil {
		return nil, err
	}
	if t, err = t.ParseFS(fsys, name); err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := t.ExecuteTemplate(&page, name, nil); err != nil {
		return nil, err
	}
	return page.Bytes(), nil
}

// errDict is a call of dict with an odd number of arguments or a key that
// is not a string.
var errDict = errors.New("dict wants pairs of a name and a value")

// dict gives a partial its parameters by name: dict "Title" "Parley" ...
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errDict
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("%w: %v", errDict, pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

// list gives a partial a list of names: list "participant" "transcript".
func list(names ...string) []string { return names }
