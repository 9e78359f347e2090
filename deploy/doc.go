// Package deploy holds Parley's deployment files (the container image,
// compose, Kubernetes manifests, the systemd unit, Prometheus and Grafana
// configuration) and, as its only Go code, the tests that check them
// offline: every manifest parses, the pieces agree with each other and with
// the binary's flags and metrics, and the tools that can check their own
// files (promtool, caddy, systemd-analyze, kubectl kustomize) accept them
// when installed. docs/runbook.md says how to use them.
package deploy
