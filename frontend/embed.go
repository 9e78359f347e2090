// Package frontend holds Parley's browser pages: plain HTML, CSS and
// JavaScript modules with their message catalogues, embedded in the binary
// so `parley serve` needs nothing else to serve them.
package frontend

import "embed"

// Files are the pages (*.html) and what they load (static/).
//
//go:embed *.html static
var Files embed.FS
