package oauthproxy

import (
	"strings"
	"testing"
)

// The upstream endpoints must be https, as the issuer, but on a loopback
// host: the proxy sends its client secret, the upstream codes and
// refresh tokens to the token endpoint, and the user signs in at the
// authorization endpoint.
func TestUpstreamURLsMustBeHTTPS(t *testing.T) {
	cfg := func(authURL, tokenURL string) Config {
		return Config{Issuer: "https://mcp.example.com", Resource: "https://mcp.example.com/mcp",
			Upstream: Upstream{AuthorizationURL: authURL, TokenURL: tokenURL, ClientID: "proxy", ClientSecret: "secret"}}
	}
	const authOK, tokenOK = "https://idp.example/authorize", "https://idp.example/token"
	for _, bad := range []string{"http://idp.example/token", "http://10.0.0.7/token", "http://127.0.0.1.evil.example/token", "ftp://idp.example/token", "/token"} {
		if _, err := New(cfg(authOK, bad)); err == nil || !strings.Contains(err.Error(), "Upstream.TokenURL") {
			t.Errorf("TokenURL %s: %v", bad, err)
		}
		bad = strings.Replace(bad, "/token", "/authorize", 1)
		if _, err := New(cfg(bad, tokenOK)); err == nil || !strings.Contains(err.Error(), "Upstream.AuthorizationURL") {
			t.Errorf("AuthorizationURL %s: %v", bad, err)
		}
	}
	for _, good := range []string{"https://idp.example", "http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:1"} {
		if _, err := New(cfg(good+"/authorize", good+"/token")); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
}
