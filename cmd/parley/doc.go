// Command parley is Parley's one binary: `parley serve` runs the rooms,
// their live connections and pages; `parley token` issues access tokens;
// `parley bench` loads a server on this machine and measures delivery; and
// `parley version` says which build this is.
package main
