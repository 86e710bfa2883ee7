package oauthproxy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Redirect URIs are compared as parsed URLs, never as strings with a
// prefix: scheme, host and port, path and query must all be equal. A URI
// with user information (https://allowed.example@evil.example/ names
// evil.example), a fragment, an opaque part, a backslash, white space or
// a control character is refused outright, and so is http anywhere but
// on a loopback host. A loopback http URI matches another that differs
// only in its port where RFC 8252 §7.3 asks for it (the client picks a
// free port when it starts).

const maxRedirectLen = 2048

// parseRedirect parses and checks a redirect URI.
func parseRedirect(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty redirect URI")
	}
	if len(raw) > maxRedirectLen {
		return nil, errors.New("redirect URI too long")
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f || r == '\\' || r > 0x7e {
			return nil, fmt.Errorf("redirect URI %q has a character that is not allowed", raw)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("redirect URI %q: %v", raw, err)
	}
	switch {
	case u.Scheme == "":
		return nil, fmt.Errorf("redirect URI %q is not absolute", raw)
	case u.Opaque != "":
		return nil, fmt.Errorf("redirect URI %q has no authority or path", raw)
	case u.User != nil:
		return nil, fmt.Errorf("redirect URI %q has user information", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("redirect URI %q has a fragment", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "ws", "wss", "ftp":
		return nil, fmt.Errorf("redirect URI scheme %q is not allowed", u.Scheme)
	case "https":
		if u.Hostname() == "" {
			return nil, fmt.Errorf("redirect URI %q has no host", raw)
		}
	case "http":
		if !loopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("redirect URI %q: http is allowed on a loopback host only", raw)
		}
	default:
		// A private-use scheme of a native app (RFC 8252 §7.1),
		// com.example.app:/callback or cursor://callback.
	}
	if p := u.Port(); p != "" && (strings.TrimLeft(p, "0123456789") != "" || len(p) > 5) {
		return nil, fmt.Errorf("redirect URI %q has a bad port", raw)
	}
	return u, nil
}

// loopbackHost reports whether host names the local machine.
func loopbackHost(host string) bool {
	h := strings.ToLower(host)
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// isLoopback reports whether u is an http URI on a loopback host.
func isLoopback(u *url.URL) bool { return u.Scheme == "http" && loopbackHost(u.Hostname()) }

// defaultPort returns u's port, or its scheme's default.
func defaultPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return strings.TrimLeft(p, "0")
	}
	switch u.Scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// sameRedirect reports whether candidate is the redirect URI want names:
// with anyPort, a loopback want matches a loopback candidate on any port.
func sameRedirect(want, candidate *url.URL, anyPort bool) bool {
	if want.Scheme != candidate.Scheme || !strings.EqualFold(want.Hostname(), candidate.Hostname()) {
		return false
	}
	if !(anyPort && isLoopback(want) && isLoopback(candidate)) && defaultPort(want) != defaultPort(candidate) {
		return false
	}
	return pathOf(want) == pathOf(candidate) && want.RawQuery == candidate.RawQuery &&
		want.ForceQuery == candidate.ForceQuery
}

// pathOf is u's escaped path, "/" for an empty http(s) path.
func pathOf(u *url.URL) string {
	if p := u.EscapedPath(); p != "" || (u.Scheme != "http" && u.Scheme != "https") {
		return p
	}
	return "/"
}

// redirectPolicy is the proxy's allow-list of client redirect URIs.
type redirectPolicy struct {
	allowed  []*url.URL
	loopback bool // any loopback http URI, any port and path
}

func newRedirectPolicy(allowed []string, loopback bool) (*redirectPolicy, error) {
	p := &redirectPolicy{loopback: loopback}
	for _, a := range allowed {
		u, err := parseRedirect(a)
		if err != nil {
			return nil, fmt.Errorf("oauthproxy: AllowedRedirectURIs: %v", err)
		}
		p.allowed = append(p.allowed, u)
	}
	return p, nil
}

// allows reports whether the allow-list admits u. An allow-list entry on
// a loopback host without a port admits any port.
func (p *redirectPolicy) allows(u *url.URL) bool {
	if p.loopback && isLoopback(u) {
		return true
	}
	for _, a := range p.allowed {
		if sameRedirect(a, u, a.Port() == "") {
			return true
		}
	}
	return false
}

// check parses raw and checks it against the allow-list.
func (p *redirectPolicy) check(raw string) (*url.URL, error) {
	u, err := parseRedirect(raw)
	if err != nil {
		return nil, err
	}
	if !p.allows(u) {
		return nil, fmt.Errorf("redirect URI %q is not on this server's allow-list", raw)
	}
	return u, nil
}

// registered returns whether raw is one of a client's registered
// redirect URIs (a loopback one on any port, RFC 8252 §7.3).
func registered(uris []string, u *url.URL) bool {
	for _, r := range uris {
		ru, err := parseRedirect(r)
		if err == nil && sameRedirect(ru, u, true) {
			return true
		}
	}
	return false
}
