// Package frontend holds Parley's browser pages: HTML templates, rendered
// once into fixed pages, and the CSS and JavaScript modules they load with
// their message catalogues, embedded in the binary so `parley serve` needs
// nothing else to serve them. There is no build step: the files under
// static/ are served as they are.
package frontend

import "embed"

// Files are the pages' templates (*.html), the partials they share
// (templates/) and what the pages load (static/).
//
//go:embed *.html templates static
var Files embed.FS
