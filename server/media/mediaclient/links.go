package mediaclient

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// iceServersOf reads the ice-server links of a WHIP or WHEP answer (RFC
// 9725 §4.6, RFC 8288): each Link header may hold several links, and a
// parameter's value may be a token or a quoted-string.
func iceServersOf(headers []string) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, h := range headers {
		for rest := h; rest != ""; {
			var url string
			var params map[string]string
			url, params, rest = nextLink(rest)
			if url == "" || params["rel"] != "ice-server" {
				continue
			}
			s := webrtc.ICEServer{URLs: []string{url}}
			if u, ok := params["username"]; ok {
				s.Username, s.Credential = u, params["credential"]
			}
			out = append(out, s)
		}
	}
	return out
}

// nextLink parses the first link of s and returns what follows it; url is
// empty if s holds no well-formed link there.
func nextLink(s string) (url string, params map[string]string, rest string) {
	s = strings.TrimLeft(s, " \t,")
	if !strings.HasPrefix(s, "<") {
		_, rest, _ = strings.Cut(s, ",")
		return "", nil, rest
	}
	url, s, ok := strings.Cut(s[1:], ">")
	if !ok {
		return "", nil, ""
	}
	params = map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if !strings.HasPrefix(s, ";") {
			break
		}
		s = strings.TrimLeft(s[1:], " \t")
		end := strings.IndexAny(s, "=;,")
		if end < 0 {
			end = len(s)
		}
		name := strings.ToLower(strings.TrimSpace(s[:end]))
		s = s[end:]
		var value string
		if strings.HasPrefix(s, "=") {
			value, s = paramValue(strings.TrimLeft(s[1:], " \t"))
		}
		params[name] = value
	}
	_, rest, _ = strings.Cut(s, ",")
	return url, params, rest
}

// paramValue reads a token or a quoted-string (RFC 9110 §5.6.4) from the
// start of s.
func paramValue(s string) (value, rest string) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexAny(s, " \t;,")
		if end < 0 {
			end = len(s)
		}
		return s[:end], s[end:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}
