package oauthproxy

import (
	"strings"
	"testing"
)

func TestRedirectPolicy(t *testing.T) {
	p, err := newRedirectPolicy([]string{
		"https://allowed.example/callback",
		"https://allowed.example",
		"http://127.0.0.1/cb",
		"http://localhost:8080/fixed",
		"cursor://anysphere.cursor-retrieval/oauth/callback",
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{
		"https://allowed.example/callback",
		"https://ALLOWED.example/callback",
		"HTTPS://allowed.example:443/callback",
		"https://allowed.example/",
		"https://allowed.example",
		"http://127.0.0.1:53121/cb", // no port in the entry: any port
		"http://127.0.0.1/cb",
		"http://localhost:8080/fixed",
		"cursor://anysphere.cursor-retrieval/oauth/callback",
	} {
		if _, err := p.check(ok); err != nil {
			t.Errorf("check(%q) = %v, want allowed", ok, err)
		}
	}
	for _, bad := range []string{
		"https://allowed.example@evil.example/",
		"https://allowed.example@evil.example/callback",
		"https://allowed.example:x@evil.example/callback",
		"https://allowed.example.evil.example/callback",
		"https://allowed.example/callback.evil",
		"https://allowed.example/callbackX",
		"https://allowed.example/callback/",
		"https://allowed.example/callback/../evil",
		"https://allowed.example/Callback",
		"https://allowed.example/callback?x=1",
		"https://allowed.example/callback?",
		"https://allowed.example/callback#frag",
		"https://allowed.example:8443/callback",
		"https://allowed.example\\@evil.example/callback",
		"https://allowed.example/%2e%2e/evil",
		"https://allowed.example/callback%00",
		"https://allowed.example/call back",
		"http://allowed.example/callback",
		"//allowed.example/callback",
		"allowed.example/callback",
		"javascript://allowed.example/%0aalert(1)",
		"data:text/html,hi",
		"http://127.0.0.2/cb",
		"http://127.0.0.1/cb/x",
		"http://localhost:8081/fixed",
		"http://localhost/fixed",
		"cursor://anysphere.cursor-retrieval/oauth/callback2",
		"https://xn--allowed-.example/callback",
		"",
	} {
		if _, err := p.check(bad); err == nil {
			t.Errorf("check(%q) allowed, want refused", bad)
		}
	}
}

func TestRedirectPolicyLoopback(t *testing.T) {
	p, err := newRedirectPolicy(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{"http://127.0.0.1:1234/callback", "http://[::1]:80/x", "http://localhost:3000/oauth/cb"} {
		if _, err := p.check(ok); err != nil {
			t.Errorf("check(%q) = %v, want allowed", ok, err)
		}
	}
	for _, bad := range []string{"https://evil.example/cb", "http://127.0.0.1.evil.example/cb", "http://evil@127.0.0.1/cb", "http://localhost.evil.example/cb", "http://10.0.0.1/cb"} {
		if _, err := p.check(bad); err == nil {
			t.Errorf("check(%q) allowed, want refused", bad)
		}
	}
	// With nothing configured, nothing is allowed.
	none, _ := newRedirectPolicy(nil, false)
	if _, err := none.check("http://127.0.0.1:1234/callback"); err == nil {
		t.Error("an empty allow-list allowed a loopback URI")
	}
}

// A registered loopback URI matches on any port (RFC 8252 §7.3); nothing
// else differs.
func TestRegistered(t *testing.T) {
	uris := []string{"http://127.0.0.1:3000/callback", "https://app.example/cb"}
	for raw, want := range map[string]bool{
		"http://127.0.0.1:3000/callback":  true,
		"http://127.0.0.1:49152/callback": true,
		"http://127.0.0.1:49152/other":    false,
		"http://localhost:3000/callback":  false,
		"https://app.example/cb":          true,
		"https://app.example:444/cb":      false,
		"https://app.example/cb?a=b":      false,
	} {
		u, err := parseRedirect(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := registered(uris, u); got != want {
			t.Errorf("registered(%q) = %v, want %v", raw, got, want)
		}
	}
}

// No input panics the redirect check, and nothing it accepts has user
// information, a fragment or a non-loopback http host, or differs from
// the allow-list entry it matched.
func FuzzRedirectPolicy(f *testing.F) {
	for _, s := range []string{"https://allowed.example/callback", "https://allowed.example@evil.example/", "http://127.0.0.1:8080/cb",
		"https://allowed.example/callback#x", "cursor://x/y", "https://allowed.example\\@evil/", "http://[::1]:1/x"} {
		f.Add(s)
	}
	p, _ := newRedirectPolicy([]string{"https://allowed.example/callback", "http://127.0.0.1/cb"}, false)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := p.check(raw)
		if err != nil {
			return
		}
		if u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") || (u.Scheme == "http" && !loopbackHost(u.Hostname())) {
			t.Fatalf("accepted %q", raw)
		}
		if h := strings.ToLower(u.Hostname()); h != "allowed.example" && h != "127.0.0.1" {
			t.Fatalf("accepted %q for host %q", raw, h)
		}
	})
}
