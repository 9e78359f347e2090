package qr

import (
	"fmt"
	"html"
	"strings"
)

// quiet is the light margin the standard asks for around a symbol, in modules.
const quiet = 4

// SVG draws the code as an SVG image, one unit a module with the quiet
// zone around it, scaled by the page; title names it for screen readers.
func (c *Code) SVG(title string) string {
	n := c.Size + 2*quiet
	var path strings.Builder
	for y := range c.Size {
		for x := 0; x < c.Size; x++ {
			if !c.Dark(x, y) {
				continue
			}
			run := 1
			for x+run < c.Size && c.Dark(x+run, y) {
				run++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run - 1
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" shape-rendering="crispEdges"><title>%s</title><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		n, n, html.EscapeString(title), n, n, path.String())
}
