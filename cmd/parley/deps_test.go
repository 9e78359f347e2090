package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/parley-hub/parley"

var (
	netHTTP = []string{"net/http/..."}
	gorilla = []string{"github.com/gorilla/..."}
	pion    = []string{"github.com/pion/..."}
	goRedis = []string{"github.com/redis/go-redis/...", "github.com/alicebob/miniredis/..."}
	// server is the package itself: its subpackages hand it handlers.
	serverPkg = []string{module + "/server"}
)

func all(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// importRules are DESIGN.md's "imports point one way": which packages
// (but those matching unless) may never depend on which, directly or not.
// A new package under a rule is one line.
var importRules = []struct {
	pkgs, unless string
	forbidden    []string
}{
	{"queue/...", "", all(netHTTP, gorilla, pion, goRedis)},
	{"rooms/...", "", all(netHTTP, gorilla, pion)},
	// A store subpackage depends on what it is named for.
	{"rooms/...", "rooms/redisstore/...", goRedis},
	{"server/live", "", serverPkg},
	{"server/media/...", "", serverPkg},
	{"server/relay/...", "", serverPkg},
	{"server/protocol", "", all(serverPkg, netHTTP, gorilla, pion, goRedis)},
	{"server/metrics", "", all(serverPkg, gorilla, pion, goRedis)},
}

func TestImportsPointOneWay(t *testing.T) {
	for _, rule := range importRules {
		pkgs := listPackages(t, "./"+strings.TrimPrefix(rule.pkgs, "./"))
		if len(pkgs) == 0 {
			t.Errorf("%s: no such package", rule.pkgs)
		}
		for _, p := range pkgs {
			if rule.unless != "" && matches(module+"/"+rule.unless, p.ImportPath) {
				continue
			}
			for _, f := range rule.forbidden {
				if i := slices.IndexFunc(p.Deps, func(dep string) bool { return matches(f, dep) }); i >= 0 {
					t.Errorf("%s depends on %s, directly or through another package: %s is forbidden there", p.ImportPath, p.Deps[i], f)
				}
			}
		}
	}
}

// TestPionOnlyInMedia keeps DESIGN.md's "only server/media imports pion":
// others (the load tool) reach WebRTC through server/media's packages.
func TestPionOnlyInMedia(t *testing.T) {
	for _, p := range listPackages(t, "./...") {
		if matches(module+"/server/media/...", p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			if slices.ContainsFunc(pion, func(f string) bool { return matches(f, imp) }) {
				t.Errorf("%s imports %s: only server/media and its subpackages import pion", p.ImportPath, imp)
			}
		}
	}
}

// matches reports whether import path dep is pattern, or under it when
// the pattern ends in /....
func matches(pattern, dep string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return dep == prefix || strings.HasPrefix(dep, prefix+"/")
	}
	return dep == pattern
}

type listedPackage struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string
}

// listPackages asks the go command for the packages of pattern with every
// package they import and depend on (their tests' imports aside).
func listPackages(t *testing.T, pattern string) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", pattern)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, stderr.String())
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
}
