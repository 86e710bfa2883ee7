package oauthproxy

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

func TestMetadata(t *testing.T) {
	e := newEnv(t, Config{Scopes: []string{"read", "write"}}, nil)
	resp, err := httpc.Get(e.base + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("metadata: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := map[string]any{
		"issuer":                                         e.base,
		"authorization_endpoint":                         e.base + "/authorize",
		"token_endpoint":                                 e.base + "/token",
		"registration_endpoint":                          e.base + "/register",
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if got, _ := json.Marshal(m["code_challenge_methods_supported"]); string(got) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported = %s", got)
	}
	if got, _ := json.Marshal(m["scopes_supported"]); string(got) != `["read","write"]` {
		t.Errorf("scopes_supported = %s", got)
	}
}

// With a path in the issuer, the metadata is at the path-aware well-known
// URL (RFC 8414 §3.1) and the endpoints under the path.
func TestMetadataPathAware(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	cfg := e.cfg
	cfg.Issuer = e.base + "/tenant/a"
	cfg.Logger = nil
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, p.Handler())
	resp, err := httpc.Get(base + "/.well-known/oauth-authorization-server/tenant/a")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if resp.StatusCode != 200 || m["issuer"] != e.base+"/tenant/a" || m["token_endpoint"] != e.base+"/tenant/a/token" {
		t.Fatalf("metadata: %d %v", resp.StatusCode, m)
	}
	resp, _ = httpc.Get(base + "/.well-known/oauth-authorization-server")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("root well-known: %d, want 404", resp.StatusCode)
	}
}

// The whole flow: dynamic registration, authorization with PKCE through
// the consent page and the upstream provider, the code exchange, a token
// signed by the proxy for this server, refresh with rotation.
func TestFlow(t *testing.T) {
	e := newEnv(t, Config{Scopes: []string{"read", "write"}}, nil)
	b := newBrowser(t)
	id := e.publicClient()
	pk := newPKCE()
	auth := e.authorizeURL(id, clientRedirect, pk, url.Values{"scope": {"read"}})
	up, page := b.consent(auth)
	for _, want := range []string{"Test &lt;b&gt;client&lt;/b&gt;", clientRedirect, "read", e.cfg.Resource, "registered itself"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the consent page does not show %q:\n%s", want, page.body)
		}
	}
	if strings.Contains(page.body, "<b>client</b>") {
		t.Error("the client's name is not escaped")
	}
	csp := page.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self' " + e.idp.url + " http://127.0.0.1:9", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if page.header.Get("X-Frame-Options") != "DENY" || page.header.Get("Cache-Control") != "no-store" {
		t.Errorf("consent page headers: %v", page.header)
	}
	if !strings.HasPrefix(up, e.idp.url+"/authorize?") {
		t.Fatalf("consent led to %s", up)
	}
	uq, _ := url.Parse(up)
	if uq.Query().Get("code_challenge") == pk.challenge || uq.Query().Get("code_challenge_method") != "S256" ||
		uq.Query().Get("redirect_uri") != e.base+"/auth/callback" {
		t.Errorf("upstream request: %s", up)
	}
	back, last := b.follow(up, clientRedirect)
	if back == "" {
		t.Fatalf("not sent back: %d %s", last.status, last.body)
	}
	bq, _ := url.Parse(back)
	q := bq.Query()
	if q.Get("state") != "client-state-1" || q.Get("iss") != e.base || q.Get("code") == "" {
		t.Fatalf("redirect back: %s", back)
	}
	st, tok := e.exchange(id, q.Get("code"), pk)
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, tok)
	}
	at, _ := tok["access_token"].(string)
	rt, _ := tok["refresh_token"].(string)
	if tok["token_type"] != "Bearer" || tok["scope"] != "read" || at == "" || rt == "" || tok["expires_in"] != 3600.0 {
		t.Fatalf("token response: %v", tok)
	}
	parts := strings.Split(at, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	json.Unmarshal(body, &c)
	if string(hdr) != tokenHeader || c["iss"] != e.base || c["aud"] != e.cfg.Resource || c["sub"] != "user-1" ||
		c["client_id"] != id || c["scope"] != "read" || c["jti"] == nil {
		t.Fatalf("token %s %v", hdr, c)
	}
	v, err := e.proxy.verify(context.Background(), at)
	if err != nil || v.grant.Claims["email"] != "user-1@idp.test" {
		t.Fatalf("verify: %v %v", v, err)
	}

	// The code is single-use: a second exchange fails and revokes.
	if st, out := e.exchange(id, q.Get("code"), pk); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("code reuse: %d %v", st, out)
	}
	if _, err := e.proxy.verify(context.Background(), at); err != errNoGrant {
		t.Fatalf("after code reuse the token still verifies: %v", err)
	}

	// Refresh rotates; the old refresh token then fails and revokes.
	_, tok = e.login(b)
	rt = tok["refresh_token"].(string)
	cid := strings.Split(mustClaims(t, tok["access_token"].(string))["client_id"].(string), " ")[0]
	st, tok2, _ := e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cid}})
	if st != http.StatusOK || tok2["refresh_token"] == rt || tok2["access_token"] == nil {
		t.Fatalf("refresh: %d %v", st, tok2)
	}
	if _, err := e.proxy.verify(context.Background(), tok2["access_token"].(string)); err != nil {
		t.Fatalf("refreshed token: %v", err)
	}
	st, out, _ := e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cid}})
	if st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh token reuse: %d %v", st, out)
	}
	if _, err := e.proxy.verify(context.Background(), tok2["access_token"].(string)); err != errNoGrant {
		t.Fatalf("after refresh token reuse the token still verifies: %v", err)
	}
}

func mustClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	json.Unmarshal(body, &c)
	return c
}

// PKCE: S256 only, and the verifier must match.
func TestPKCE(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	b := newBrowser(t)
	id := e.publicClient()
	pk := newPKCE()
	for name, extra := range map[string]url.Values{
		"missing":                      {"code_challenge": nil, "code_challenge_method": nil},
		"plain":                        {"code_challenge": {pk.verifier + pk.verifier[:11]}, "code_challenge_method": {"plain"}},
		"no method (plain by default)": {"code_challenge_method": nil},
		"short":                        {"code_challenge": {"abc"}},
	} {
		s := b.do(http.MethodGet, e.authorizeURL(id, clientRedirect, pk, extra), nil)
		l, _ := url.Parse(s.location())
		if s.status != http.StatusFound || !strings.HasPrefix(s.location(), clientRedirect) || l.Query().Get("error") != "invalid_request" {
			t.Errorf("%s: %d %s", name, s.status, s.location())
		}
	}
	// No scope is configured: none may be asked for.
	s := b.do(http.MethodGet, e.authorizeURL(id, clientRedirect, pk, url.Values{"scope": {"admin"}}), nil)
	if l, _ := url.Parse(s.location()); l == nil || l.Query().Get("error") != "invalid_scope" {
		t.Errorf("a scope with none configured: %d %s", s.status, s.location())
	}
	q := b.authorize(e.authorizeURL(id, clientRedirect, pk, nil))
	if st, out := e.exchange(id, q.Get("code"), newPKCE()); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, out)
	}
}

// An unknown client is 401 invalid_client, at authorize and at token, so
// that a client whose registration was lost registers again.
func TestUnknownClient(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	b := newBrowser(t)
	s := b.do(http.MethodGet, e.authorizeURL("no-such-client", clientRedirect, newPKCE(), nil), nil)
	if s.status != http.StatusUnauthorized || !strings.Contains(s.body, `"invalid_client"`) || s.header.Get("Location") != "" {
		t.Errorf("authorize: %d %s", s.status, s.body)
	}
	st, out, _ := e.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"no-such-client"}})
	if st != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Errorf("token: %d %v", st, out)
	}
}

// A confidential client registered dynamically authenticates with its
// secret, by HTTP Basic or in the form; a wrong secret is invalid_client.
func TestConfidentialClient(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	st, reg := e.register(map[string]any{"redirect_uris": []string{clientRedirect}})
	if st != http.StatusCreated || reg["token_endpoint_auth_method"] != "client_secret_basic" || reg["client_secret"] == nil {
		t.Fatalf("register: %d %v", st, reg)
	}
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	b := newBrowser(t)
	for i, auth := range []string{"basic", "post", "wrong", "none"} {
		pk := newPKCE()
		q := b.authorize(e.authorizeURL(id, clientRedirect, pk, nil))
		form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {clientRedirect}, "code_verifier": {pk.verifier}}
		var basic []string
		switch auth {
		case "basic":
			basic = []string{id, secret}
		case "post":
			form.Set("client_id", id)
			form.Set("client_secret", secret)
		case "wrong":
			basic = []string{id, secret + "x"}
		case "none":
			form.Set("client_id", id)
		}
		st, out, h := e.tokenRequest(form, basic...)
		if i < 2 && st != http.StatusOK {
			t.Errorf("%s: %d %v", auth, st, out)
		}
		if i >= 2 && (st != http.StatusUnauthorized || out["error"] != "invalid_client") {
			t.Errorf("%s: %d %v", auth, st, out)
		}
		if auth == "wrong" && h.Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate on a Basic failure")
		}
	}
}

// A static client: its redirect URIs as configured, a loopback one on
// any port; SkipConsent goes straight upstream, still bound to the
// browser.
func TestStaticClient(t *testing.T) {
	e := newEnv(t, Config{AllowedRedirectURIs: []string{}, Clients: []Client{
		{ID: "cli", RedirectURIs: []string{"http://127.0.0.1/callback"}, Name: "The CLI", SkipConsent: true},
		{ID: "web", Secret: "web-secret", RedirectURIs: []string{clientRedirect}},
	}}, nil)
	b := newBrowser(t)
	pk := newPKCE()
	redirect := "http://127.0.0.1:9/callback"
	back, last := b.follow(e.authorizeURL("cli", redirect, pk, nil), redirect)
	if back == "" {
		t.Fatalf("cli: %d %s", last.status, last.body)
	}
	u, _ := url.Parse(back)
	if st, out, _ := e.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
		"redirect_uri": {redirect}, "client_id": {"cli"}, "code_verifier": {pk.verifier}}); st != http.StatusOK {
		t.Fatalf("cli token: %d %v", st, out)
	}
	// Without the browser's binding cookie, even a SkipConsent client's
	// callback is refused.
	up := b.do(http.MethodGet, e.authorizeURL("cli", redirect, newPKCE(), nil), nil).location()
	if _, s := newBrowser(t).follow(up, redirect); s.status != http.StatusForbidden {
		t.Errorf("cli callback in another browser: %d", s.status)
	}
	pk = newPKCE()
	q := b.authorize(e.authorizeURL("web", clientRedirect, pk, nil))
	if st, out, _ := e.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {clientRedirect}, "code_verifier": {pk.verifier}}, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("web token: %d %v", st, out)
	}
	// Registration, with an empty allow-list, admits nothing.
	if st, out := e.register(map[string]any{"redirect_uris": []string{clientRedirect}}); st != http.StatusBadRequest || out["error"] != "invalid_redirect_uri" {
		t.Errorf("register: %d %v", st, out)
	}
}

// The user denies: the client gets access_denied; a consent POST without
// the CSRF token of this browser's page is refused.
func TestConsentDenyAndCSRF(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	b := newBrowser(t)
	id := e.publicClient()
	auth := e.authorizeURL(id, clientRedirect, newPKCE(), nil)
	_, page := b.follow(auth, "\x00")
	f := consentForm(t, page.body)
	f.Set("decision", "deny")
	s := b.do(http.MethodPost, e.base+"/consent", f)
	l, _ := url.Parse(s.location())
	if s.status != http.StatusFound || l.Query().Get("error") != "access_denied" || l.Query().Get("state") != "client-state-1" {
		t.Errorf("deny: %d %s", s.status, s.location())
	}

	_, page = b.follow(auth, "\x00")
	f = consentForm(t, page.body)
	f.Set("decision", "approve")
	// Another browser (an attacker's page submitting the form) has no
	// CSRF cookie.
	if s := newBrowser(t).do(http.MethodPost, e.base+"/consent", f); s.status != http.StatusForbidden {
		t.Errorf("consent from another browser: %d", s.status)
	}
	// A wrong token in this browser.
	g := url.Values{"txn": {f.Get("txn")}, "csrf": {"x" + f.Get("csrf")}, "decision": {"approve"}}
	if s := b.do(http.MethodPost, e.base+"/consent", g); s.status != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", s.status)
	}
	// A cross-site submission.
	req, _ := http.NewRequest(http.MethodPost, e.base+"/consent", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site consent: %d", resp.StatusCode)
	}
	// The right one still works.
	if s := b.do(http.MethodPost, e.base+"/consent", f); s.status != http.StatusFound {
		t.Errorf("consent: %d %s", s.status, s.body)
	}
}

// UpstreamToken gives server code the provider's token behind an access
// token, refreshed once expired; the proxy's own refresh refreshes it
// upstream too, and a provider that refuses the refresh ends the grant.
func TestUpstreamToken(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	e.idp.mu.Lock()
	e.idp.expiresIn = 1 // expired at once for oauth2 (10 s early)
	e.idp.mu.Unlock()
	id, tok := e.login(newBrowser(t))
	at := tok["access_token"].(string)
	first := e.idp.upstreamTokens()[0]
	up, err := e.proxy.UpstreamToken(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	if up.AccessToken == first || !strings.HasPrefix(up.AccessToken, "UPSTREAM-AT-") || e.idp.exchanges() != 2 {
		t.Errorf("not refreshed: %q (first %q), %d token requests", up.AccessToken, first, e.idp.exchanges())
	}
	if _, err := e.proxy.UpstreamToken(context.Background(), "bogus"); err == nil {
		t.Error("an upstream token for a bogus access token")
	}
	st, tok2, _ := e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}})
	if st != http.StatusOK || e.idp.exchanges() != 3 {
		t.Fatalf("refresh: %d %v, %d token requests", st, tok2, e.idp.exchanges())
	}
	e.idp.mu.Lock()
	e.idp.refuse = true
	e.idp.mu.Unlock()
	st, out, _ := e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok2["refresh_token"].(string)}, "client_id": {id}})
	if st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh refused upstream: %d %v", st, out)
	}
	if _, err := e.proxy.verify(context.Background(), tok2["access_token"].(string)); err != errNoGrant {
		t.Errorf("the grant outlived the provider's refusal: %v", err)
	}
}

// Upstream.Identify names the user and narrows the scopes they can be
// granted; an error from it refuses the authorization.
func TestIdentify(t *testing.T) {
	var fail atomic.Bool
	e := newEnv(t, Config{Scopes: []string{"read", "write"}, Upstream: Upstream{
		Identify: func(_ context.Context, tok *oauth2.Token) (*Identity, error) {
			if fail.Load() {
				return nil, errors.New("not a member of the organisation")
			}
			return &Identity{Subject: "octocat", Claims: map[string]any{"org": "acme"}, Scopes: []string{"read"}}, nil
		}}}, nil)
	id := e.publicClient()
	pk := newPKCE()
	q := newBrowser(t).authorize(e.authorizeURL(id, clientRedirect, pk, url.Values{"scope": {"read write"}}))
	st, tok := e.exchange(id, q.Get("code"), pk)
	if st != http.StatusOK || tok["scope"] != "read" {
		t.Fatalf("token: %d %v", st, tok)
	}
	p, err := e.proxy.Verifier().Verify(context.Background(), tok["access_token"].(string))
	if err != nil || p.Subject != "octocat" || p.Claims["org"] != "acme" || strings.Join(p.Scopes, " ") != "read" {
		t.Fatalf("principal: %+v %v", p, err)
	}
	fail.Store(true)
	q = newBrowser(t).authorize(e.authorizeURL(id, clientRedirect, newPKCE(), nil))
	if q.Get("error") != "access_denied" || q.Get("code") != "" {
		t.Errorf("Identify failing: %v", q)
	}
	if !strings.Contains(e.logs(), "not a member of the organisation") {
		t.Errorf("the reason is not logged:\n%s", e.logs())
	}
}
