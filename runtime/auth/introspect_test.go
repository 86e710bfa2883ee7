package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth"
)

// introspector is an RFC 7662 endpoint that knows a few tokens and checks
// the client's credentials in the way the verifier is set to send them.
func introspector(t *testing.T, method string, answers map[string]map[string]any) (string, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		r.ParseForm()
		id, secret, basic := r.BasicAuth()
		id, _ = url.QueryUnescape(id) // RFC 6749 §2.3.1
		secret, _ = url.QueryUnescape(secret)
		if method == "client_secret_post" {
			id, secret, basic = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), false
		}
		if id != "rs:one" || secret != "s3cret&" || basic != (method == "client_secret_basic") {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		a, ok := answers[r.PostForm.Get("token")]
		if !ok {
			a = map[string]any{"active": false}
		}
		json.NewEncoder(w).Encode(a)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/introspect", &calls
}

func TestIntrospectionVerifier(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := now
	tick := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	answers := map[string]map[string]any{
		"good":    {"active": true, "sub": "alice", "client_id": "app", "scope": "mcp admin", "aud": []any{testAudience}, "iss": testIssuer, "exp": float64(now.Add(2 * time.Minute).Unix())},
		"expired": {"active": true, "sub": "alice", "aud": testAudience, "iss": testIssuer, "exp": float64(now.Add(-time.Hour).Unix())},
		"other":   {"active": true, "sub": "alice", "aud": "https://other.example/mcp", "iss": testIssuer},
		"later":   {"active": true, "sub": "alice", "aud": testAudience, "iss": testIssuer, "nbf": float64(now.Add(time.Hour).Unix())},
	}
	for _, method := range []string{"client_secret_basic", "client_secret_post"} {
		endpoint, calls := introspector(t, method, answers)
		v, err := auth.NewIntrospectionVerifier(auth.IntrospectionOptions{Endpoint: endpoint, ClientID: "rs:one", ClientSecret: "s3cret&",
			AuthMethod: method, Audience: []string{testAudience}, Issuer: testIssuer,
			Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		p, err := v.Verify(ctx, "good")
		if err != nil || p.Subject != "alice" || p.ClientID != "app" || strings.Join(p.Scopes, " ") != "mcp admin" {
			t.Fatalf("%s good: %+v %v", method, p, err)
		}
		// Cached by the token's hash until it expires.
		v.Verify(ctx, "good")
		if n := calls.Load(); n != 1 {
			t.Errorf("%s: %d calls for a cached token", method, n)
		}
		for tok, want := range map[string]string{"inactive": "the token is not active", "expired": "the token has expired",
			"other": "the token was issued for another audience", "later": "the token is not valid yet"} {
			if _, err := v.Verify(ctx, tok); reason(err) != want {
				t.Errorf("%s %s: %q, want %q", method, tok, reason(err), want)
			}
		}
		before := calls.Load()
		tick(3 * time.Minute) // past the good token's expiry: asked again, and refused
		if _, err := v.Verify(ctx, "good"); reason(err) != "the token has expired" && err == nil {
			t.Errorf("%s: an expired cached token: %v", method, err)
		}
		if calls.Load() != before+1 {
			t.Errorf("%s: the cache outlived the token", method)
		}
		mu.Lock()
		clock = now
		mu.Unlock()
	}
	// Wrong credentials are the verifier's failure, not the token's.
	endpoint, _ := introspector(t, "client_secret_basic", answers)
	v, _ := auth.NewIntrospectionVerifier(auth.IntrospectionOptions{Endpoint: endpoint, ClientID: "rs:one", ClientSecret: "wrong", Audience: []string{testAudience}})
	if _, err := v.Verify(context.Background(), "good"); err == nil || reason(err) != "not a token error: "+err.Error() {
		t.Errorf("bad credentials: %v", err)
	}
	if _, err := auth.NewIntrospectionVerifier(auth.IntrospectionOptions{Endpoint: "http://as.example/introspect", ClientID: "x", Audience: []string{testAudience}}); err == nil {
		t.Error("a plain http endpoint off loopback was accepted")
	}
}

// The audience is required: without it, a token the same authorization
// server issued for another resource server would be accepted here. Only
// the loudly named opt-out accepts any.
func TestIntrospectionAudienceRequired(t *testing.T) {
	answers := map[string]map[string]any{
		"mine":   {"active": true, "sub": "alice", "aud": testAudience},
		"other":  {"active": true, "sub": "alice", "aud": "https://other.example/mcp"},
		"no aud": {"active": true, "sub": "alice"},
	}
	endpoint, _ := introspector(t, "client_secret_basic", answers)
	base := auth.IntrospectionOptions{Endpoint: endpoint, ClientID: "rs:one", ClientSecret: "s3cret&"}
	for name, aud := range map[string][]string{"none": nil, "empty": {}, "an empty one": {testAudience, ""}} {
		o := base
		o.Audience = aud
		if _, err := auth.NewIntrospectionVerifier(o); err == nil || !strings.Contains(err.Error(), "Audience is required") {
			t.Errorf("audience %s: %v", name, err)
		}
	}
	o := base
	o.Audience = []string{testAudience}
	v, err := auth.NewIntrospectionVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, "mine"); err != nil {
		t.Errorf("a token for this server: %v", err)
	}
	for _, tok := range []string{"other", "no aud"} {
		if _, err := v.Verify(ctx, tok); reason(err) != "the token was issued for another audience" {
			t.Errorf("%s: %v", tok, err)
		}
	}
	o = base
	o.InsecureAcceptAnyAudience = true
	v, err = auth.NewIntrospectionVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"mine", "other", "no aud"} {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Errorf("InsecureAcceptAnyAudience, %s: %v", tok, err)
		}
	}
}
