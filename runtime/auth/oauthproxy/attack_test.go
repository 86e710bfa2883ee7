package oauthproxy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/state"
)

// recordingStore keeps a copy of everything written to it.
type recordingStore struct {
	runtime.StateStore
	mu     sync.Mutex
	writes []string
}

func (s *recordingStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	s.writes = append(s.writes, key+"="+string(value))
	s.mu.Unlock()
	return s.StateStore.Set(ctx, key, value, ttl)
}

func (s *recordingStore) written() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

// One regression test per attack class. Each runs the attack against the
// proxy, which must stop it, and against a deliberately vulnerable
// variant (a test-only switch that turns that one protection off), which
// must not: so each test is shown to catch the hole it is about.

// consentAttack is the confused deputy of GHSA-rww4-4w9c-7733: the
// attacker starts an authorization for their own client, approves it in
// their own browser, and sends the link to the upstream provider to the
// victim; the provider, which knows the victim and the proxy, approves at
// once and sends the victim's browser to the proxy's callback. victim
// prepares the victim's browser. It returns the callback's status, or 0
// if the attacker's client got a code.
func consentAttack(t *testing.T, e *env, victim func(b *browser, attackerTxn string) *browser) int {
	t.Helper()
	attacker := newBrowser(t)
	id := e.publicClient()
	up, page := attacker.consent(e.authorizeURL(id, clientRedirect, newPKCE(), nil))
	txn := consentForm(t, page.body).Get("txn")
	back, last := victim(attacker, txn).follow(up, clientRedirect)
	if back != "" {
		if u, _ := url.Parse(back); u.Query().Get("code") != "" {
			return 0
		}
		t.Fatalf("sent back without a code: %s", back)
	}
	return last.status
}

// Without the binding cookie (the victim's browser has never been to the
// proxy), the callback is 403.
func TestAttackConsentWithoutBindingCookie(t *testing.T) {
	victim := func(*browser, string) *browser { return newBrowser(t) }
	if st := consentAttack(t, newEnv(t, Config{}, nil), victim); st != http.StatusForbidden {
		t.Errorf("callback without the binding cookie: %d, want 403", st)
	}
	if st := consentAttack(t, newEnv(t, Config{insecure: insecure{noBinding: true}}, nil), victim); st != 0 {
		t.Errorf("vulnerable variant: %d, want the attack to succeed", st)
	}
}

// From another browser, one with a binding cookie of its own (the victim
// consented to their own client just before) and even one with a cookie
// of the attacker's transaction's name carrying its own value, the
// callback is 403.
func TestAttackConsentFromAnotherBrowser(t *testing.T) {
	for _, vulnerable := range []bool{false, true} {
		e := newEnv(t, Config{insecure: insecure{noBinding: vulnerable}}, nil)
		victim := func(_ *browser, txn string) *browser {
			b := newBrowser(t)
			b.consent(e.authorizeURL(e.publicClient(), clientRedirect, newPKCE(), nil))
			u, _ := url.Parse(e.base)
			var own string
			for _, c := range b.jar.Cookies(u) {
				if strings.HasPrefix(c.Name, "mcp-consent-") {
					own = c.Value
				}
			}
			if own == "" {
				t.Fatal("the victim's browser has no binding cookie of its own")
			}
			b.jar.SetCookies(u, []*http.Cookie{{Name: e.proxy.cookieName("consent", txn), Value: own, Path: "/"}})
			return b
		}
		st := consentAttack(t, e, victim)
		if !vulnerable && st != http.StatusForbidden {
			t.Errorf("callback from another browser: %d, want 403", st)
		}
		if vulnerable && st != 0 {
			t.Errorf("vulnerable variant: %d, want the attack to succeed", st)
		}
	}
	// The refusal is logged.
	e := newEnv(t, Config{}, nil)
	consentAttack(t, e, func(*browser, string) *browser { return newBrowser(t) })
	if !strings.Contains(e.logs(), "not the browser that consented") {
		t.Errorf("not logged:\n%s", e.logs())
	}
}

// prefixMatch is the classic broken redirect check: a string prefix.
func prefixMatch(allowed []string) func(string) bool {
	return func(raw string) bool {
		for _, a := range allowed {
			if strings.HasPrefix(raw, a) {
				return true
			}
		}
		return false
	}
}

// redirectTricks are redirect URIs that a string comparison mistakes for
// https://allowed.example/callback or https://allowed.example: each leads
// the code elsewhere.
var redirectTricks = []string{
	"https://allowed.example@evil.example/",
	"https://allowed.example@evil.example/callback",
	"https://allowed.example.evil.example/callback",
	"https://allowed.example/callback.evil.example",
	"https://allowed.example/callback/../../evil",
	"https://allowed.example/callback?next=https://evil.example",
	"https://allowed.example/callback#@evil.example",
	"https://allowed.example:8443/callback",
	"https://allowed.example\\@evil.example/callback",
}

var allowedExample = []string{"https://allowed.example/callback", "https://allowed.example"}

// Registration refuses every redirect URI not on the allow-list,
// including the prefix and user information tricks (FastMCP #3037: the
// allow-list bypassed through registration); a prefix check lets each
// through.
func TestAttackRedirectAtRegistration(t *testing.T) {
	for _, vulnerable := range []bool{false, true} {
		cfg := Config{AllowedRedirectURIs: allowedExample}
		if vulnerable {
			cfg.insecure.allowRedirect = prefixMatch(allowedExample)
		}
		e := newEnv(t, cfg, nil)
		for _, trick := range append(redirectTricks, "https://evil.example/callback") {
			st, out := e.register(map[string]any{"redirect_uris": []string{allowedExample[0], trick}, "token_endpoint_auth_method": "none"})
			refused := st == http.StatusBadRequest && out["error"] == "invalid_redirect_uri"
			switch {
			case !vulnerable && !refused:
				t.Errorf("registered %q: %d %v", trick, st, out)
			case vulnerable && refused && trick != "https://evil.example/callback":
				t.Errorf("vulnerable variant refused %q: the test would not catch a prefix check", trick)
			}
		}
		if st, out := e.register(map[string]any{"redirect_uris": allowedExample, "token_endpoint_auth_method": "none"}); st != http.StatusCreated {
			t.Errorf("allowed URIs refused: %d %v", st, out)
		}
	}
}

// At authorize, the redirect URI must be one the client registered,
// compared as a parsed URL: the same tricks get 400, not a redirect.
func TestAttackRedirectAtAuthorize(t *testing.T) {
	for _, vulnerable := range []bool{false, true} {
		cfg := Config{AllowedRedirectURIs: allowedExample}
		if vulnerable {
			cfg.insecure.registeredURI = func(uris []string, raw string) bool { return prefixMatch(uris)(raw) }
			cfg.insecure.allowRedirect = prefixMatch(allowedExample)
		}
		e := newEnv(t, cfg, nil)
		st, out := e.register(map[string]any{"redirect_uris": allowedExample, "token_endpoint_auth_method": "none"})
		if st != http.StatusCreated {
			t.Fatalf("register: %d %v", st, out)
		}
		id := out["client_id"].(string)
		for _, trick := range redirectTricks {
			s := newBrowser(t).do(http.MethodGet, e.authorizeURL(id, trick, newPKCE(), nil), nil)
			refused := s.status == http.StatusBadRequest && s.header.Get("Location") == ""
			if !vulnerable && !refused {
				t.Errorf("authorize with %q: %d %s", trick, s.status, s.location())
			}
			if vulnerable && refused {
				t.Errorf("vulnerable variant refused %q: the test would not catch a prefix check", trick)
			}
		}
	}
}

// The allow-list is checked again at authorize: a client registered
// while the allow-list admitted its URI (here through another proxy on
// the same store) cannot use it once the allow-list no longer does.
func TestAttackRedirectAllowListRecheck(t *testing.T) {
	store, key := state.NewMemory(0), []byte(strings.Repeat("s", 32))
	loose := newEnv(t, Config{Store: store, Key: key, AllowedRedirectURIs: []string{clientRedirect, "https://old.example/cb"}}, nil)
	_, out := loose.register(map[string]any{"redirect_uris": []string{"https://old.example/cb"}, "token_endpoint_auth_method": "none"})
	id, _ := out["client_id"].(string)
	for _, vulnerable := range []bool{false, true} {
		cfg := Config{Store: store, Key: key, AllowedRedirectURIs: []string{clientRedirect}}
		if vulnerable {
			cfg.insecure.allowRedirect = func(string) bool { return true }
		}
		strict := newEnv(t, cfg, nil)
		s := newBrowser(t).do(http.MethodGet, strict.authorizeURL(id, "https://old.example/cb", newPKCE(), nil), nil)
		refused := s.status == http.StatusBadRequest && s.header.Get("Location") == ""
		if refused == vulnerable {
			t.Errorf("vulnerable=%v: %d %s", vulnerable, s.status, s.location())
		}
	}
}

// Token reuse across MCP servers (GHSA-5h2m-4q8j-pqpj): two servers
// behind one proxy configuration (same issuer, key and store), each with
// its own resource URL. A token issued for one is refused by the other's
// verifier; a verifier that skips the audience accepts it.
func TestAttackTokenForAnotherAudience(t *testing.T) {
	store, key := state.NewMemory(0), []byte(strings.Repeat("a", 32))
	a := newEnv(t, Config{Store: store, Key: key}, nil)
	_, tok := a.login(newBrowser(t))
	at := tok["access_token"].(string)
	for _, vulnerable := range []bool{false, true} {
		cfg := a.cfg
		cfg.Resource = a.base + "/other-mcp"
		cfg.Key = key
		cfg.insecure = insecure{noAudience: vulnerable}
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.verify(context.Background(), at)
		if !vulnerable && !errors.Is(err, errAudience) {
			t.Errorf("the other server's verifier: %v, want %v", err, errAudience)
		}
		if vulnerable && err != nil {
			t.Errorf("vulnerable variant: %v, want the token accepted", err)
		}
	}
	if _, err := a.proxy.verify(context.Background(), at); err != nil {
		t.Errorf("its own server's verifier: %v", err)
	}
	// Over HTTP, at the other server's MCP endpoint: 401 invalid_token.
	for _, vulnerable := range []bool{false, true} {
		b := newEnv(t, Config{Issuer: a.base, Store: store, Key: key, insecure: insecure{noAudience: vulnerable}}, (&downstream{}).handler())
		req, _ := http.NewRequest(http.MethodPost, b.cfg.Resource, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Authorization", "Bearer "+at)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		challenge := resp.Header.Get("WWW-Authenticate")
		if !vulnerable && (resp.StatusCode != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token", error_description="the token is for another resource"`)) {
			t.Errorf("the other server's endpoint: %d %q", resp.StatusCode, challenge)
		}
		if vulnerable && resp.StatusCode == http.StatusUnauthorized {
			t.Errorf("vulnerable variant: %d %q, want the token accepted", resp.StatusCode, challenge)
		}
	}
}

// A resource (RFC 8707) that is not this server is invalid_target, at
// authorize (redirected to the client) and at the token endpoint.
func TestAttackResourceMismatch(t *testing.T) {
	for _, vulnerable := range []bool{false, true} {
		e := newEnv(t, Config{insecure: insecure{noResource: vulnerable}}, nil)
		id := e.publicClient()
		for _, other := range []string{"https://other.example/mcp", e.base + "/mcp2", e.base + "/", strings.Replace(e.base, "http:", "https:", 1) + "/mcp"} {
			s := newBrowser(t).do(http.MethodGet, e.authorizeURL(id, clientRedirect, newPKCE(), url.Values{"resource": {other}}), nil)
			l, _ := url.Parse(s.location())
			refused := s.status == http.StatusFound && l.Query().Get("error") == "invalid_target" && strings.HasPrefix(s.location(), clientRedirect)
			if refused == vulnerable {
				t.Errorf("vulnerable=%v: authorize with resource %q: %d %s", vulnerable, other, s.status, s.location())
			}
		}
		// Variants of this server's own URL pass.
		for _, same := range []string{e.cfg.Resource, e.cfg.Resource + "/", strings.ToUpper(e.cfg.Resource[:4]) + e.cfg.Resource[4:], e.cfg.Resource + "?kb_name=x"} {
			s := newBrowser(t).do(http.MethodGet, e.authorizeURL(id, clientRedirect, newPKCE(), url.Values{"resource": {same}}), nil)
			if !strings.Contains(s.location(), "/consent?") {
				t.Errorf("authorize with resource %q: %d %s", same, s.status, s.location())
			}
		}
		// At the token endpoint.
		pk := newPKCE()
		q := newBrowser(t).authorize(e.authorizeURL(id, clientRedirect, pk, nil))
		st, out, _ := e.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
			"redirect_uri": {clientRedirect}, "client_id": {id}, "code_verifier": {pk.verifier}, "resource": {"https://other.example/mcp"}})
		refused := st == http.StatusBadRequest && out["error"] == "invalid_target"
		if refused == vulnerable {
			t.Errorf("vulnerable=%v: token with another resource: %d %v", vulnerable, st, out)
		}
	}
}

// leaks returns the upstream tokens that appear in any of texts.
func leaks(upstream []string, texts ...string) []string {
	var found []string
	for _, tok := range upstream {
		for _, s := range texts {
			if strings.Contains(s, tok) {
				found = append(found, tok)
				break
			}
		}
	}
	return found
}

// The upstream tokens never leave the proxy: not in any response to the
// browser or the client (headers and bodies, through login, refresh and
// errors), and not in the store in the clear. A proxy that passes the
// upstream token through is caught.
func TestAttackUpstreamTokenNeverLeaves(t *testing.T) {
	for _, vulnerable := range []bool{false, true} {
		store := &recordingStore{StateStore: state.NewMemory(0)}
		e := newEnv(t, Config{Store: store, insecure: insecure{handOut: vulnerable}}, nil)
		b := newBrowser(t)
		id, tok := e.login(b)
		e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}})
		e.exchange(id, "bogus", newPKCE())
		up := e.idp.upstreamTokens()
		if len(up) != 3 {
			t.Fatalf("the provider issued %d tokens", len(up))
		}
		found := leaks(up, e.responses()...)
		if !vulnerable && len(found) > 0 {
			t.Errorf("upstream tokens in the proxy's responses: %v", found)
		}
		if vulnerable && len(found) == 0 {
			t.Error("the passthrough variant leaked nothing the test could see")
		}
		if !vulnerable {
			stored := store.written()
			if len(stored) == 0 {
				t.Fatal("nothing in the store")
			}
			if f := leaks(up, stored...); len(f) > 0 {
				t.Errorf("upstream tokens in the clear in the store: %v", f)
			}
			// The grants hold them sealed: not in the sealed bytes, but
			// there when opened with the grant's id.
			grants := 0
			for _, w := range stored {
				k, v, _ := strings.Cut(w, "=")
				gid, ok := strings.CutPrefix(k, "oauthproxy:grant:")
				if !ok {
					continue
				}
				grants++
				var g grant
				if err := json.Unmarshal([]byte(v), &g); err != nil {
					t.Fatal(err)
				}
				if f := leaks(up, string(g.Sealed)); len(f) > 0 {
					t.Errorf("upstream tokens unsealed in a grant: %v", f)
				}
				tok, err := e.proxy.openToken(gid, &g)
				if err != nil || len(leaks(up, tok.AccessToken)) != 1 {
					t.Errorf("the sealed grant does not open to an upstream token: %v", err)
				}
				if _, err := e.proxy.openToken(gid+"x", &g); err == nil {
					t.Error("a grant opens under another id")
				}
			}
			if grants == 0 {
				t.Error("no grant stored")
			}
			if f := leaks(up, e.logs()); len(f) > 0 {
				t.Errorf("upstream tokens logged: %v", f)
			}
		}
	}
}
