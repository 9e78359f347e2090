package codecs

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
)

// WithFEC is an answer whose Opus formats all say useinbandfec=1. pion
// answers with the offer's own format parameters, so an offer without FEC
// (a generic WHEP player, an encoder's defaults) would otherwise be
// answered without it, and an encoder reading the answer would send none.
func WithFEC(answer string) (string, error) {
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(answer); err != nil {
		return "", fmt.Errorf("codecs: the answer: %w", err)
	}
	changed := false
	for _, m := range desc.MediaDescriptions {
		if m.MediaName.Media == "audio" && fecOn(m) {
			changed = true
		}
	}
	if !changed {
		return answer, nil
	}
	out, err := desc.Marshal()
	if err != nil {
		return "", fmt.Errorf("codecs: the answer: %w", err)
	}
	return string(out), nil
}

// fecOn sets useinbandfec=1 on every Opus format of m, and reports
// whether it changed anything.
func fecOn(m *sdp.MediaDescription) bool {
	changed := false
	for _, pt := range opusFormats(m) {
		i := -1
		for j, a := range m.Attributes {
			if a.Key == "fmtp" && strings.HasPrefix(a.Value, pt+" ") {
				i = j
			}
		}
		if i < 0 {
			m.Attributes = append(m.Attributes, sdp.NewAttribute("fmtp", pt+" useinbandfec=1"))
			changed = true
			continue
		}
		if params := withParam(strings.TrimPrefix(m.Attributes[i].Value, pt+" "), "useinbandfec", "1"); params != "" {
			m.Attributes[i].Value = pt + " " + params
			changed = true
		}
	}
	return changed
}

// opusFormats are the payload types m maps to Opus.
func opusFormats(m *sdp.MediaDescription) []string {
	var pts []string
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		if pt, codec, ok := strings.Cut(a.Value, " "); ok && strings.HasPrefix(strings.ToLower(codec), "opus/") {
			pts = append(pts, pt)
		}
	}
	return pts
}

// withParam is the fmtp parameters params with name=value, or "" if they
// say so already.
func withParam(params, name, value string) string {
	var out []string
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(k, name) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
			continue
		}
		if v == value {
			return ""
		}
	}
	return strings.Join(append(out, name+"="+value), ";")
}
