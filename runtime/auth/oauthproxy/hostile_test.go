package oauthproxy

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth"
)

// Hostile input at every endpoint: a clear 4xx with an OAuth error, never
// a 500, a panic or a body read without bound.
func TestHostileRequests(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	id := e.publicClient()
	pk := newPKCE()
	big := strings.Repeat("a", 1<<20)
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	many := make([]string, 1000)
	for i := range many {
		many[i] = clientRedirect
	}
	type req struct {
		name, method, path, ctype, body string
		status                          int
		want                            string
	}
	reqs := []req{
		{"register: 1 MiB", "POST", "/register", "application/json", `{"redirect_uris":["` + big + `"]}`, 400, "invalid_client_metadata"},
		{"register: not JSON", "POST", "/register", "application/json", "redirect_uris=x", 400, "invalid_client_metadata"},
		{"register: an array", "POST", "/register", "application/json", `[1,2]`, 400, "invalid_client_metadata"},
		{"register: nested", "POST", "/register", "application/json", deep, 400, "invalid_client_metadata"},
		{"register: form", "POST", "/register", "application/x-www-form-urlencoded", "redirect_uris=x", 400, "invalid_client_metadata"},
		{"register: many URIs", "POST", "/register", "application/json", `{"redirect_uris":["` + strings.Join(many, `","`) + `"]}`, 400, "invalid_redirect_uri"},
		{"register: name", "POST", "/register", "application/json", `{"redirect_uris":["` + clientRedirect + `"],"client_name":"` + strings.Repeat("n", 300) + `"}`, 400, "invalid_client_metadata"},
		{"register: control in name", "POST", "/register", "application/json", `{"redirect_uris":["` + clientRedirect + `"],"client_name":"a\u0000b\u202e"}`, 400, "invalid_client_metadata"},
		{"register: grant type", "POST", "/register", "application/json", `{"redirect_uris":["` + clientRedirect + `"],"grant_types":["password"]}`, 400, "invalid_client_metadata"},
		{"register: auth method", "POST", "/register", "application/json", `{"redirect_uris":["` + clientRedirect + `"],"token_endpoint_auth_method":"private_key_jwt"}`, 400, "invalid_client_metadata"},
		{"register: GET", "GET", "/register", "", "", 405, ""},
		{"token: 1 MiB", "POST", "/token", "application/x-www-form-urlencoded", "code=" + big, 400, "invalid_request"},
		{"token: JSON", "POST", "/token", "application/json", `{"grant_type":"authorization_code"}`, 400, "invalid_request"},
		{"token: repeated", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&grant_type=refresh_token&client_id=" + id, 400, "invalid_request"},
		{"token: grant type", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=password&client_id=" + id, 400, "unsupported_grant_type"},
		{"token: no grant type", "POST", "/token", "application/x-www-form-urlencoded", "client_id=" + id, 400, "invalid_request"},
		{"token: no client", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"token: long code", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&client_id=" + id + "&code=" + strings.Repeat("c", 4000), 400, "invalid_request"},
		{"token: long client id", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x&client_id=" + strings.Repeat("c", 4000), 401, "invalid_client"},
		{"token: bad encoding", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=%zz", 400, "invalid_request"},
		{"token: refresh unknown", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=x&client_id=" + id, 400, "invalid_grant"},
		{"authorize: repeated", "GET", "/authorize?client_id=" + id + "&client_id=x", "", "", 400, "invalid_request"},
		{"authorize: no redirect", "GET", "/authorize?client_id=" + id, "", "", 400, "invalid_request"},
		{"authorize: long client id", "GET", "/authorize?client_id=" + strings.Repeat("c", 4000), "", "", 401, "invalid_client"},
		{"authorize: long state", "GET", "/authorize?" + url.Values{"client_id": {id}, "redirect_uri": {clientRedirect}, "state": {strings.Repeat("s", 3000)}}.Encode(), "", "", 400, "invalid_request"},
		{"authorize: 1 MiB POST", "POST", "/authorize", "application/x-www-form-urlencoded", "client_id=" + big, 400, "invalid_request"},
		{"consent: unknown", "GET", "/consent?txn=nope", "", "", 400, "expired"},
		{"consent: long", "GET", "/consent?txn=" + strings.Repeat("t", 4000), "", "", 400, "expired"},
		{"consent: empty POST", "POST", "/consent", "application/x-www-form-urlencoded", "", 400, "expired"},
		{"consent: 1 MiB POST", "POST", "/consent", "application/x-www-form-urlencoded", "txn=" + big, 400, "bad form"},
		{"callback: no state", "GET", "/auth/callback?code=x", "", "", 400, "expired"},
		{"callback: unknown state", "GET", "/auth/callback?code=x&state=" + randomString(32), "", "", 400, "expired"},
		{"callback: error, no state", "GET", "/auth/callback?error=access_denied", "", "", 400, "expired"},
		{"metadata: POST", "POST", "/.well-known/oauth-authorization-server", "application/json", "{}", 405, ""},
	}
	for _, r := range reqs {
		hr, _ := http.NewRequest(r.method, e.base+r.path, strings.NewReader(r.body))
		if r.ctype != "" {
			hr.Header.Set("Content-Type", r.ctype)
		}
		resp, err := httpc.Do(hr)
		if err != nil {
			t.Errorf("%s: %v", r.name, err)
			continue
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		resp.Body.Close()
		if resp.StatusCode != r.status || !strings.Contains(b.String(), r.want) {
			t.Errorf("%s: %d %.300s, want %d %q", r.name, resp.StatusCode, b.String(), r.status, r.want)
		}
	}
	// The flow still works for the same client afterwards.
	q := newBrowser(t).authorize(e.authorizeURL(id, clientRedirect, pk, nil))
	if st, out := e.exchange(id, q.Get("code"), pk); st != 200 {
		t.Errorf("after the hostile requests: %d %v", st, out)
	}
	if strings.Contains(e.logs(), "panic") {
		t.Errorf("a panic was logged:\n%s", e.logs())
	}
}

// Tokens that are not the proxy's, or no longer valid, are refused by the
// verifier with a reason the challenge can carry, never a failure.
func TestHostileTokens(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	_, tok := e.login(newBrowser(t))
	good := tok["access_token"].(string)
	parts := strings.Split(good, ".")
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	now := time.Now().Unix()
	sign := func(c tokenClaims) string {
		s, _ := signToken(e.proxy.keys.token, &c)
		return s
	}
	other, _ := deriveKeys([]byte(strings.Repeat("o", 32)))
	otherSigned, _ := signToken(other.token, &tokenClaims{Issuer: e.base, Audience: e.cfg.Resource, ID: "x", Expiry: now + 60})
	valid := mustClaims(t, good)
	jti := valid["jti"].(string)
	for name, bad := range map[string]string{
		"empty":             "",
		"garbage":           "not a token",
		"two parts":         "a.b",
		"four parts":        good + ".x",
		"huge":              strings.Repeat("a", 20000),
		"alg none":          enc(`{"alg":"none","typ":"at+jwt"}`) + "." + parts[1] + ".",
		"alg HS512":         enc(`{"alg":"HS512","typ":"at+jwt"}`) + "." + parts[1] + "." + parts[2],
		"header spaced":     enc(`{"alg": "HS256","typ":"at+jwt"}`) + "." + parts[1] + "." + parts[2],
		"padded signature":  good + "==",
		"payload changed":   parts[0] + "." + enc(strings.Replace(string(mustDecode(parts[1])), `"sub":"user-1"`, `"sub":"admin"`, 1)) + "." + parts[2],
		"another key":       otherSigned,
		"expired":           sign(tokenClaims{Issuer: e.base, Audience: e.cfg.Resource, ID: jti, IssuedAt: now - 7200, Expiry: now - 3600}),
		"issued in future":  sign(tokenClaims{Issuer: e.base, Audience: e.cfg.Resource, ID: jti, IssuedAt: now + 3600, Expiry: now + 7200}),
		"other issuer":      sign(tokenClaims{Issuer: "https://evil.example", Audience: e.cfg.Resource, ID: jti, IssuedAt: now, Expiry: now + 60}),
		"unknown jti":       sign(tokenClaims{Issuer: e.base, Audience: e.cfg.Resource, ID: "forged", IssuedAt: now, Expiry: now + 60}),
		"no jti":            sign(tokenClaims{Issuer: e.base, Audience: e.cfg.Resource, IssuedAt: now, Expiry: now + 60}),
		"payload not JSON":  parts[0] + "." + enc("[") + "." + parts[2],
		"refresh as access": tok["refresh_token"].(string),
	} {
		p, err := e.proxy.Verifier().Verify(context.Background(), bad)
		var te *auth.TokenError
		if p != nil || !errors.As(err, &te) || !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: %v, %v; want a TokenError", name, p, err)
		}
	}
	if _, err := e.proxy.Verifier().Verify(context.Background(), good); err != nil {
		t.Errorf("the good token: %v", err)
	}
}

func mustDecode(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}

// Of concurrent redemptions of one code, or of one refresh token, at
// most one succeeds; and a replay noticed while the first was being
// served revokes the grant, so that no two holders end with a valid
// token (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
func TestConcurrentRedemption(t *testing.T) {
	e := newEnv(t, Config{}, nil)
	race := func(form url.Values) (tokens []string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, out, _ := e.tokenRequest(form)
				if st == 200 {
					mu.Lock()
					tokens = append(tokens, out["access_token"].(string))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return tokens
	}
	valid := func(tokens []string) (n int) {
		for _, at := range tokens {
			if _, err := e.proxy.verify(context.Background(), at); err == nil {
				n++
			}
		}
		return n
	}
	id := e.publicClient()
	pk := newPKCE()
	q := newBrowser(t).authorize(e.authorizeURL(id, clientRedirect, pk, nil))
	got := race(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {clientRedirect},
		"client_id": {id}, "code_verifier": {pk.verifier}})
	if len(got) > 1 || valid(got) > 1 {
		t.Errorf("%d redemptions of one code succeeded", len(got))
	}
	id, tok := e.login(newBrowser(t))
	got = race(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}})
	if len(got) > 1 || valid(got) > 1 {
		t.Errorf("%d redemptions of one refresh token succeeded", len(got))
	}
}

// No token verifies unless the proxy signed it, and none panics.
func FuzzVerify(f *testing.F) {
	p, err := New(Config{Issuer: "http://127.0.0.1:1", Resource: "http://127.0.0.1:1/mcp",
		Upstream: Upstream{AuthorizationURL: "http://127.0.0.1:2/a", TokenURL: "http://127.0.0.1:2/t", ClientID: "c"}})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := signToken(p.keys.token, &tokenClaims{Issuer: p.cfg.Issuer, Audience: p.cfg.Resource, ID: "j", Expiry: time.Now().Unix() + 60})
	f.Add(good)
	f.Add("a.b.c")
	f.Add(encodedHeader + ".e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := p.verify(context.Background(), tok); err == nil {
			t.Fatalf("verified %q", tok)
		}
	})
}

// A flood of authorization requests, which anyone can send, evicts only
// other authorizations not consented to yet: never one the user has
// consented to (on its way to the provider), a code, a grant or a token.
// A flood that goes through the consent page too evicts only consented
// authorizations, never codes, grants or tokens.
func TestFloodOfAuthorizations(t *testing.T) {
	e := newEnv(t, Config{bounds: storeBounds{records: 30, clients: 20, pending: 10, authorizations: 10}}, nil)
	// A user with a code to redeem, one on their way to the provider,
	// one signed in.
	codeID, codePK := e.publicClient(), newPKCE()
	code := newBrowser(t).authorize(e.authorizeURL(codeID, clientRedirect, codePK, nil)).Get("code")
	b := newBrowser(t)
	midID, midPK := e.publicClient(), newPKCE()
	up, _ := b.consent(e.authorizeURL(midID, clientRedirect, midPK, nil))
	signedID, tok := e.login(newBrowser(t))
	at := tok["access_token"].(string)

	attacker := e.publicClient()
	for range 100 {
		resp, err := httpc.Get(e.authorizeURL(attacker, clientRedirect, newPKCE(), nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if st, out := e.exchange(codeID, code, codePK); st != http.StatusOK {
		t.Errorf("the code, after a flood of /authorize: %d %v", st, out)
	}
	back, last := b.follow(up, clientRedirect)
	if back == "" {
		t.Fatalf("the consented sign-in, after a flood of /authorize: %d %s", last.status, last.body)
	}
	u, _ := url.Parse(back)
	if st, out := e.exchange(midID, u.Query().Get("code"), midPK); st != http.StatusOK {
		t.Errorf("the consented sign-in's code: %d %v", st, out)
	}

	// A flood through the consent page.
	code = newBrowser(t).authorize(e.authorizeURL(codeID, clientRedirect, codePK, nil)).Get("code")
	fb := newBrowser(t)
	for range 30 {
		fb.consent(e.authorizeURL(attacker, clientRedirect, newPKCE(), nil))
	}
	if st, out := e.exchange(codeID, code, codePK); st != http.StatusOK {
		t.Errorf("the code, after a flood of consents: %d %v", st, out)
	}
	if _, err := e.proxy.verify(context.Background(), at); err != nil {
		t.Errorf("the signed-in user's token after the floods: %v", err)
	}
	st, out, _ := e.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {signedID}})
	if st != http.StatusOK {
		t.Errorf("the signed-in user's refresh after the floods: %d %v", st, out)
	}
}
