package deploy

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// metrics are the series Parley exports (README, Monitoring); a dashboard
// panel or an alert querying anything else shows nothing.
var metrics = []string{
	"parley_live_connections", "parley_commands_total", "parley_command_duration_seconds",
	"parley_events_appended_total", "parley_live_messages_delivered_total", "parley_delivery_latency_seconds",
	"parley_store_requests_total", "parley_store_errors_total", "parley_store_duration_seconds",
	"parley_media_peer_connections", "parley_media_rtp_packets_forwarded_total", "parley_media_rtp_packets_lost_total",
	"parley_transcript_lag_seconds", "parley_rate_limited_total", "parley_http_requests_total",
	"parley_http_request_duration_seconds", "parley_rooms_loaded", "parley_node_info",
}

// readYAML decodes every document of a YAML file.
func readYAML(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(doc) == 0 {
			t.Fatalf("%s: document %d is empty", path, len(docs)+1)
		}
		docs = append(docs, doc)
	}
}

// get walks a decoded document by keys (string) and indexes (int).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

// stringList is the strings of a decoded YAML list.
func stringList(v any) []string {
	s, _ := v.([]any)
	var out []string
	for _, e := range s {
		if str, ok := e.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

func TestEveryYAMLFileParses(t *testing.T) {
	var n int
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		readYAML(t, path)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("parsed %d YAML files; the deployment has more", n)
	}
}

func TestKubernetesManifests(t *testing.T) {
	kust := readYAML(t, "k8s/kustomization.yaml")[0]
	resources := stringList(kust["resources"])
	byKind := map[string][]map[string]any{}
	files, _ := filepath.Glob("k8s/*.yaml")
	for _, path := range files {
		name := filepath.Base(path)
		if name == "kustomization.yaml" {
			continue
		}
		if name != "secret.example.yaml" && !slices.Contains(resources, name) {
			t.Errorf("%s is not in kustomization.yaml's resources", name)
		}
		for i, doc := range readYAML(t, path) {
			if doc["apiVersion"] == nil || doc["kind"] == nil || get(doc, "metadata", "name") == nil {
				t.Errorf("%s document %d: apiVersion, kind and metadata.name are required", path, i+1)
			}
			if ns := get(doc, "metadata", "namespace"); ns != nil {
				t.Errorf("%s: namespace %v: manifests are applied into the operator's namespace", path, ns)
			}
			byKind[doc["kind"].(string)] = append(byKind[doc["kind"].(string)], doc)
		}
	}
	for _, r := range resources {
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Errorf("kustomization.yaml: %v", err)
		}
	}

	sets := byKind["StatefulSet"]
	if len(sets) != 1 {
		t.Fatalf("%d StatefulSets, want 1", len(sets))
	}
	set := sets[0]
	if r := get(set, "spec", "replicas"); r != 2 {
		t.Errorf("replicas %v, want 2", r)
	}
	pod := get(set, "spec", "template", "spec")
	if g, _ := get(pod, "terminationGracePeriodSeconds").(int); g < 30 {
		t.Errorf("terminationGracePeriodSeconds %d: a drain and the requests after it need 30 s", g)
	}
	if get(pod, "securityContext", "runAsNonRoot") != true || get(pod, "securityContext", "runAsUser") != 65532 {
		t.Errorf("pod securityContext %v: non-root 65532 wanted", get(pod, "securityContext"))
	}
	c := get(pod, "containers", 0)
	sc := get(c, "securityContext")
	if get(sc, "readOnlyRootFilesystem") != true || get(sc, "allowPrivilegeEscalation") != false ||
		!slices.Equal(stringList(get(sc, "capabilities", "drop")), []string{"ALL"}) {
		t.Errorf("container securityContext %v: read-only root, no escalation, drop ALL wanted", sc)
	}
	probes := map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz", "startupProbe": "/healthz"}
	for probe, path := range probes {
		if got := get(c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s on %v, want %s", probe, got, path)
		}
	}
	if s, _ := get(c, "lifecycle", "preStop", "sleep", "seconds").(int); s < 1 || s > 10 {
		t.Errorf("preStop sleeps %d s: a few seconds, so the endpoint is gone before the drain", s)
	}
	if get(c, "resources", "requests") == nil || get(c, "resources", "limits", "memory") == nil {
		t.Errorf("resources %v: requests and a memory limit wanted", get(c, "resources"))
	}
	args := stringList(get(c, "args"))
	for _, want := range []string{"--udp-port=50000", "--advertise-url=https://$(POD_NAME).$(PARLEY_DOMAIN)", "--metrics-addr=:9464"} {
		if !slices.Contains(args, want) {
			t.Errorf("args lack %s: %v", want, args)
		}
	}
	checkFlags(t, "k8s/statefulset.yaml", args)

	var udp, pdb bool
	for _, svc := range byKind["Service"] {
		for _, p := range get(svc, "spec", "ports").([]any) {
			udp = udp || get(p, "protocol") == "UDP"
		}
	}
	for _, b := range byKind["PodDisruptionBudget"] {
		pdb = get(b, "spec", "maxUnavailable") == 1
	}
	if !udp || !pdb {
		t.Errorf("a Service with the UDP media port (%v) and a PodDisruptionBudget of one (%v) wanted", udp, pdb)
	}
}

func TestKustomizeBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed")
	}
	out, err := exec.Command(kubectl, "kustomize", "k8s").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize k8s: %v\n%s", err, out)
	}
}

func TestComposeFile(t *testing.T) {
	compose := readYAML(t, "compose.yaml")[0]
	services := compose["services"].(map[string]any)
	for _, name := range []string{"redis", "parley-a", "parley-b", "coturn", "caddy"} {
		if services[name] == nil {
			t.Errorf("no service %s", name)
		}
	}
	ports := map[string]bool{}
	for _, name := range []string{"parley-a", "parley-b"} {
		svc := services[name]
		if get(svc, "read_only") != true || get(svc, "user") != "65532:65532" ||
			!slices.Contains(stringList(get(svc, "tmpfs")), "/tmp") {
			t.Errorf("%s: read_only, user 65532 and a tmpfs /tmp wanted", name)
		}
		if get(svc, "environment", "PARLEY_REDIS_URL") == nil {
			t.Errorf("%s: no PARLEY_REDIS_URL", name)
		}
		args := append(stringList(get(svc, "entrypoint")), stringList(get(svc, "command"))...)
		checkFlags(t, "compose.yaml "+name, args[2:])
		port := flagValue(args, "--udp-port")
		if port == "" || ports[port] {
			t.Errorf("%s: --udp-port %q: each node needs one of its own", name, port)
		}
		ports[port] = true
		if !slices.Contains(stringList(get(svc, "ports")), port+":"+port+"/udp") {
			t.Errorf("%s: its --udp-port %s is not published as the same number", name, port)
		}
		if !strings.Contains(flagValue(args, "--advertise-url"), "node-"+name[len(name)-1:]+".") {
			t.Errorf("%s: --advertise-url %q is not its own name", name, flagValue(args, "--advertise-url"))
		}
	}
	for _, svc := range services {
		for _, v := range stringList(get(svc, "volumes")) {
			if src, _, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(src, "./") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("compose mounts %v", err)
				}
			}
		}
	}

	// docker-compose (Debian's, 1.29) checks the file against the Compose
	// specification and fills it in from an environment like env.example's.
	if _, err := exec.LookPath("docker-compose"); err == nil {
		example, err := os.ReadFile("env.example")
		if err != nil {
			t.Fatal(err)
		}
		env := filepath.Join(t.TempDir(), "env")
		filled := regexp.MustCompile(`(?m)^(PARLEY_\w+_SECRET)=$`).ReplaceAll(example, []byte("$1=not-a-secret"))
		if err := os.WriteFile(env, filled, 0o600); err != nil {
			t.Fatal(err)
		}
		tool(t, nil, "docker-compose", "--env-file", env, "--file", "compose.yaml", "config", "--quiet")
	}

	conf, err := os.ReadFile("redis.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"appendonly yes", "appendfsync always", "maxmemory-policy noeviction"} {
		if !regexp.MustCompile(`(?m)^` + line + `$`).Match(conf) {
			t.Errorf("redis.conf lacks %q", line)
		}
	}
}

// flagValue is the value of flag in args, given as "--flag value" or "--flag=value".
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// parley builds the binary as the Dockerfile does, once for the package.
func parley(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "parley-deploy-test")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "parley")
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", "-o", binary, "./cmd/parley")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New(err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building parley as the Dockerfile does: %v", buildErr)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

var (
	flagsOnce  sync.Once
	serveFlags []string
)

// checkFlags fails for a flag in args (which follow "serve") that
// `parley serve -h` does not list and no part of issue 11 is adding.
func checkFlags(t *testing.T, where string, args []string) {
	t.Helper()
	flagsOnce.Do(func() {
		out, _ := exec.Command(parley(t), "serve", "-h").CombinedOutput()
		for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllSubmatch(out, -1) {
			serveFlags = append(serveFlags, string(m[1]))
		}
	})
	if len(serveFlags) == 0 {
		t.Fatal("parley serve -h listed no flags")
	}
	for _, a := range args {
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "=")
		if !slices.Contains(serveFlags, name) {
			t.Errorf("%s: parley serve has no flag --%s", where, name)
		}
	}
}

func TestImageBinaryIsStatic(t *testing.T) {
	f, err := elf.Open(parley(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary asks for a dynamic loader: distroless/static has none")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("the binary needs %v", libs)
	}
}

func TestImageContextHoldsTheBuild(t *testing.T) {
	ignore, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var ignored []string
	for _, line := range strings.Split(string(ignore), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(line, "*") {
			ignored = append(ignored, line)
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.Dir}}{{range .EmbedFiles}} {{$.Dir}}/{{.}}{{end}}{{end}}`, "./cmd/parley")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, _ := filepath.Abs("..")
	for _, path := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		for _, ig := range ignored {
			if rel == ig || strings.HasPrefix(rel, ig+"/") {
				t.Errorf("the build needs %s, which Dockerfile.dockerignore leaves out", rel)
			}
		}
	}

	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FROM golang:${GO_VERSION}", "CGO_ENABLED=0 go build -trimpath", "FROM gcr.io/distroless/static-debian12:nonroot",
		"USER 65532:65532", "VOLUME /data", "EXPOSE 8080/tcp 9464/tcp 50000/udp"} {
		if !bytes.Contains(docker, []byte(want)) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	gomod, _ := os.ReadFile("../go.mod")
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if goLine == nil || !bytes.Contains(docker, []byte("ARG GO_VERSION="+string(goLine[1])+"\n")) {
		t.Errorf("the Dockerfile's GO_VERSION is not go.mod's go %s", goLine[1])
	}
}

// queried are the metric names a PromQL expression reads, histogram
// suffixes taken off.
func queried(expr string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`\b(parley_[a-z_]+|up|probe_success|process_[a-z_]+|go_[a-z_]+)\b`).FindAllString(expr, -1) {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(m, suffix); ok && slices.Contains(metrics, base) {
				m = base
			}
		}
		names = append(names, m)
	}
	return names
}

// checkQueried fails for a parley_ series that Parley does not export.
func checkQueried(t *testing.T, where, expr string) {
	t.Helper()
	names := queried(expr)
	if len(names) == 0 {
		t.Errorf("%s: %q reads no metric", where, expr)
	}
	for _, name := range names {
		if strings.HasPrefix(name, "parley_") && !slices.Contains(metrics, name) {
			t.Errorf("%s: %s is no metric of Parley's", where, name)
		}
	}
}

func TestDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana/parley.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	ids := map[int]bool{}
	seen := map[string]bool{}
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, target := range p.Targets {
			checkQueried(t, "panel "+p.Title, target.Expr)
			for _, name := range queried(target.Expr) {
				seen[name] = true
			}
		}
	}
	for _, m := range metrics {
		if !seen[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

func TestAlertsReadParleysMetricsAndHaveARunbookEntry(t *testing.T) {
	runbook, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, group := range get(readYAML(t, "alerts.yml")[0], "groups").([]any) {
		for _, rule := range get(group, "rules").([]any) {
			name, _ := get(rule, "alert").(string)
			checkQueried(t, "alert "+name, get(rule, "expr").(string))
			if !bytes.Contains(runbook, []byte("\n### "+name+"\n")) {
				t.Errorf("alert %s has no section in docs/runbook.md", name)
			}
			if want := "docs/runbook.md#" + strings.ToLower(name); get(rule, "annotations", "runbook") != want {
				t.Errorf("alert %s: runbook annotation %v, want %s", name, get(rule, "annotations", "runbook"), want)
			}
		}
	}
}

// tool runs a checker when it is installed, skipping otherwise.
func tool(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func TestPromtool(t *testing.T) {
	for _, args := range [][]string{
		{"check", "config", "prometheus.yml"},
		{"check", "config", "k8s/prometheus.yml"},
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		tool(t, nil, "promtool", args...)
	}
}

func TestCaddyfile(t *testing.T) {
	// adapt only parses: --validate would start health checks, which
	// resolve and dial the upstreams' names.
	tool(t, []string{"PARLEY_DOMAIN=parley.example.org", "ACME_EMAIL=ops@example.org"},
		"caddy", "adapt", "--config", "Caddyfile", "--adapter", "caddyfile")
}

func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("parley.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"EnvironmentFile=/etc/parley/env", "KillSignal=SIGTERM", "TimeoutStopSec=30s",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes", "CapabilityBoundingSet="} {
		if !bytes.Contains(unit, []byte("\n"+line+"\n")) {
			t.Errorf("parley.service lacks %s", line)
		}
	}
	exec_ := regexp.MustCompile(`(?m)^ExecStart=\S+ serve((?:.*\\\n)*.*)$`).FindSubmatch(unit)
	if exec_ == nil {
		t.Fatal("parley.service has no ExecStart=... serve")
	}
	checkFlags(t, "parley.service", strings.Fields(strings.ReplaceAll(string(exec_[1]), "\\\n", " ")))

	// systemd-analyze checks that ExecStart's program exists: give it one.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "parley.service")
	if err := os.WriteFile(copyPath, bytes.ReplaceAll(unit, []byte("/usr/local/bin/parley"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	tool(t, nil, "systemd-analyze", "verify", copyPath)
}
