package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

const (
	testIssuer   = "https://issuer.example"
	testAudience = "https://mcp.example/mcp"
)

var (
	keyOnce sync.Once
	rsaKeys [3]*rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
)

// testKeys generates the test keys once per binary.
func testKeys(t testing.TB) {
	t.Helper()
	keyOnce.Do(func() {
		for i := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[i] = k
		}
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		ecKey = k
	})
}

// jwksServer serves a key set that the test can change, counting fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []map[string]any
	fetches atomic.Int32
	down    atomic.Bool // answers 503
	url     string
}

func newJWKSServer(t *testing.T) *jwksServer {
	js := &jwksServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		js.fetches.Add(1)
		if js.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		js.mu.Lock()
		defer js.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"keys": js.keys})
	}))
	t.Cleanup(srv.Close)
	js.url = srv.URL + "/jwks"
	return js
}

func (js *jwksServer) set(keys ...map[string]any) {
	js.mu.Lock()
	js.keys = keys
	js.mu.Unlock()
}

func rsaJWK(kid string, k *rsa.PrivateKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PrivateKey) map[string]any {
	pub, _ := k.PublicKey.Bytes() // 0x04 || X || Y
	return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(pub[1:33]), "y": base64.RawURLEncoding.EncodeToString(pub[33:])}
}

// claims returns valid claims, changed by the overrides (nil deletes).
func claims(over map[string]any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": "alice", "azp": "app",
		"scope": "mcp admin", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "tenant": "acme"}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t testing.TB, method jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned makes a token with alg "none", which golang-jwt does not sign
// unless asked to with its special constant.
func unsigned(c jwt.MapClaims) string {
	h, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT", "kid": "k1"})
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

func reason(err error) string {
	var te *auth.TokenError
	if errors.As(err, &te) {
		return te.Reason
	}
	if err == nil {
		return ""
	}
	return "not a token error: " + err.Error()
}

func TestJWTVerifier(t *testing.T) {
	testKeys(t)
	js := newJWKSServer(t)
	js.set(rsaJWK("k1", rsaKeys[0]), ecJWK("e1", ecKey))
	v, err := auth.NewJWTVerifier(auth.JWTOptions{JWKSURL: js.url, Issuer: testIssuer, Audience: []string{"https://other.example", testAudience},
		Algorithms: []string{"RS256", "ES256"}, JWKSMinRefresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k1 := rsaKeys[0]
	p, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, "k1", k1, claims(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "alice" || p.ClientID != "app" || p.Issuer != testIssuer || strings.Join(p.Scopes, " ") != "mcp admin" ||
		len(p.Audience) != 1 || p.Expiry.IsZero() || p.Claims["tenant"] != "acme" || p.Token == "" {
		t.Errorf("principal %+v", p)
	}
	// scp, as an array, when there is no scope; ES256; aud as a list.
	p, err = v.Verify(ctx, sign(t, jwt.SigningMethodES256, "e1", ecKey, claims(map[string]any{"scope": nil, "scp": []any{"read", "write"}, "aud": []any{"https://x.example", testAudience}})))
	if err != nil || strings.Join(p.Scopes, " ") != "read write" {
		t.Errorf("scp: %+v %v", p, err)
	}
	now := time.Now()
	for _, c := range []struct {
		name, token, reason string
	}{
		{"expired", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"exp": now.Add(-time.Minute).Unix()})), "the token has expired"},
		{"not yet valid", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"nbf": now.Add(5 * time.Minute).Unix()})), "the token is not valid yet"},
		{"issued in the future", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"iat": now.Add(5 * time.Minute).Unix()})), "the token was issued in the future"},
		{"no exp", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"exp": nil})), "the token lacks a required claim (exp or aud)"},
		{"wrong issuer", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"iss": "https://evil.example"})), "the token's issuer is not trusted"},
		{"wrong audience", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"aud": "https://another-server.example/mcp"})), "the token was issued for another audience"},
		{"no audience", sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"aud": nil})), "the token lacks a required claim (exp or aud)"},
		{"alg none", unsigned(claims(nil)), "the token's signing algorithm is not accepted"},
		{"HS256 with the public key as secret", sign(t, jwt.SigningMethodHS256, "k1", pemOf(t, &k1.PublicKey), claims(nil)), "the token's signing algorithm is not accepted"},
		{"wrong key", sign(t, jwt.SigningMethodRS256, "k1", rsaKeys[1], claims(nil)), "the token's signature does not verify"},
		{"key of another type", sign(t, jwt.SigningMethodES256, "k1", ecKey, claims(nil)), "the token's algorithm is not the one of its key"},
		{"garbage", "not.a.jwt", "the token is not a well-formed JWT"},
	} {
		if _, err := v.Verify(ctx, c.token); reason(err) != c.reason {
			t.Errorf("%s: %q, want %q", c.name, reason(err), c.reason)
		}
	}
	// Within the leeway.
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, "k1", k1, claims(map[string]any{"exp": now.Add(-10 * time.Second).Unix()}))); err != nil {
		t.Errorf("expired within the leeway: %v", err)
	}
	if n := js.fetches.Load(); n != 1 {
		t.Errorf("%d fetches of the key set, want 1", n)
	}
}

func pemOf(t *testing.T, pub *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// An unknown kid fetches the set again once, then is refused, and does not
// make every request fetch; a rotated key is found by that fetch, and the
// key rotated out is refused after it.
func TestJWTKeyRotation(t *testing.T) {
	testKeys(t)
	js := newJWKSServer(t)
	js.set(rsaJWK("k1", rsaKeys[0]))
	clock := time.Now()
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	v, err := auth.NewJWTVerifier(auth.JWTOptions{JWKSURL: js.url, Audience: []string{testAudience}, JWKSMinRefresh: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok := func(kid string, k *rsa.PrivateKey) string {
		c := claims(map[string]any{"iat": now().Unix(), "nbf": now().Unix(), "exp": now().Add(time.Hour).Unix()})
		return sign(t, jwt.SigningMethodRS256, kid, k, c)
	}
	if _, err := v.Verify(ctx, tok("k1", rsaKeys[0])); err != nil {
		t.Fatal(err)
	}
	// An unknown kid: one more fetch, then refused; again at once: no fetch.
	for range 3 {
		if _, err := v.Verify(ctx, tok("k9", rsaKeys[2])); reason(err) != "the token's signing key is unknown" {
			t.Errorf("unknown kid: %v", err)
		}
	}
	if n := js.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after the unknown kid, want 2 (the first and one refetch)", n)
	}
	// The authorization server rotates to k2, dropping k1.
	js.set(rsaJWK("k2", rsaKeys[1]))
	if _, err := v.Verify(ctx, tok("k2", rsaKeys[1])); err == nil {
		t.Error("k2 accepted before the refetch interval let the set be fetched again")
	}
	advance(2 * time.Minute)
	if _, err := v.Verify(ctx, tok("k2", rsaKeys[1])); err != nil {
		t.Errorf("the rotated key: %v", err)
	}
	if _, err := v.Verify(ctx, tok("k1", rsaKeys[0])); reason(err) != "the token's signing key is unknown" {
		t.Errorf("the key rotated out: %v", err)
	}
	if n := js.fetches.Load(); n != 3 {
		t.Errorf("%d fetches, want 3", n)
	}
	// Concurrent requests with an unknown kid share one fetch.
	advance(2 * time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { v.Verify(ctx, tok("k7", rsaKeys[2])) })
	}
	wg.Wait()
	if n := js.fetches.Load(); n != 4 {
		t.Errorf("%d fetches after 20 concurrent unknown kids, want 4", n)
	}
}

// Unsafe configurations are refused when the verifier is made.
func TestJWTVerifierOptions(t *testing.T) {
	testKeys(t)
	pub := &rsaKeys[0].PublicKey
	secret := []byte(strings.Repeat("s", 32))
	for _, c := range []struct {
		name string
		opts auth.JWTOptions
		err  string
	}{
		{"no key", auth.JWTOptions{Audience: []string{testAudience}}, "set exactly one of JWKSURL and Key"},
		{"no audience", auth.JWTOptions{Key: pub}, "Audience is required"},
		{"none", auth.JWTOptions{Key: pub, Audience: []string{testAudience}, Algorithms: []string{"none"}}, `"none" is never accepted`},
		{"HS256 with a public key", auth.JWTOptions{Key: pub, Audience: []string{testAudience}, Algorithms: []string{"RS256", "HS256"}}, "HS256 needs a []byte secret"},
		{"HS256 with a key set", auth.JWTOptions{JWKSURL: "https://as.example/jwks", Audience: []string{testAudience}, Algorithms: []string{"HS256"}}, "HS256 needs a []byte secret"},
		{"RS256 with a secret", auth.JWTOptions{Key: secret, Audience: []string{testAudience}, Algorithms: []string{"RS256"}}, "RS256 needs a public key"},
		{"short secret", auth.JWTOptions{Key: []byte("short"), Audience: []string{testAudience}}, "at least 32 bytes"},
		{"plain http key set", auth.JWTOptions{JWKSURL: "http://as.example/jwks", Audience: []string{testAudience}}, "must be https"},
		{"a private key", auth.JWTOptions{Key: rsaKeys[0], Audience: []string{testAudience}}, "Key is a *rsa.PrivateKey"},
	} {
		if _, err := auth.NewJWTVerifier(c.opts); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		}
	}
	// A static key and an HMAC secret work.
	v, err := auth.NewJWTVerifier(auth.JWTOptions{Key: pub, Audience: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "", rsaKeys[0], claims(nil))); err != nil {
		t.Errorf("static key: %v", err)
	}
	v, err = auth.NewJWTVerifier(auth.JWTOptions{Key: secret, Audience: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, "", secret, claims(nil))); err != nil {
		t.Errorf("secret: %v", err)
	}
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "", rsaKeys[0], claims(nil))); reason(err) != "the token's signing algorithm is not accepted" {
		t.Errorf("RS256 token for an HS256 verifier: %v", err)
	}
}

// A key set that cannot be fetched is the verifier's failure (503 from
// Require), not the token's.
func TestJWTKeySetDown(t *testing.T) {
	testKeys(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", 500) }))
	defer srv.Close()
	v, err := auth.NewJWTVerifier(auth.JWTOptions{JWKSURL: srv.URL, Audience: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	token := sign(t, jwt.SigningMethodRS256, "k1", rsaKeys[0], claims(nil))
	_, err = v.Verify(context.Background(), token)
	if err == nil || errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("key set down: %v", err)
	}
	mux := http.NewServeMux()
	front := httptest.NewServer(mux)
	defer front.Close()
	mux.Handle("/", auth.Require(v, &auth.Options{Resource: front.URL + "/mcp"})(http.NotFoundHandler()))
	resp, _ := post(t, front.URL+"/mcp", "Bearer "+token, "{}", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("Require with the key set down: %d", resp.StatusCode)
	}
}

// While the key set cannot be fetched, the last one fetched is used, but
// only for JWKSMaxStale (6 hours by default) after it was fetched: then
// the verifier fails as with no key set (503 from Require), so keys the
// authorization server has revoked in the meantime do not live forever.
func TestJWTKeySetMaxStale(t *testing.T) {
	testKeys(t)
	for _, maxStale := range []time.Duration{0, time.Hour} {
		js := newJWKSServer(t)
		js.set(rsaJWK("k1", rsaKeys[0]))
		clock := time.Now()
		var mu sync.Mutex
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
		v, err := auth.NewJWTVerifier(auth.JWTOptions{JWKSURL: js.url, Audience: []string{testAudience}, JWKSMaxStale: maxStale, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		tok := func() string {
			return sign(t, jwt.SigningMethodRS256, "k1", rsaKeys[0], claims(map[string]any{"iat": now().Unix(), "nbf": now().Unix(), "exp": now().Add(time.Hour).Unix()}))
		}
		ctx := context.Background()
		if _, err := v.Verify(ctx, tok()); err != nil {
			t.Fatal(err)
		}
		js.down.Store(true)
		limit := maxStale
		if limit == 0 {
			limit = 6 * time.Hour
		}
		advance(limit - time.Minute) // stale, the fetch fails: the last set still serves
		if _, err := v.Verify(ctx, tok()); err != nil {
			t.Errorf("max stale %v: within it: %v", maxStale, err)
		}
		advance(2 * time.Minute)
		_, err = v.Verify(ctx, tok())
		if err == nil || errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("max stale %v: past it: %v, want the verifier's failure", maxStale, err)
		}
		mux := http.NewServeMux()
		front := httptest.NewServer(mux)
		mux.Handle("/", auth.Require(v, &auth.Options{Resource: front.URL + "/mcp"})(http.NotFoundHandler()))
		if resp, _ := post(t, front.URL+"/mcp", "Bearer "+tok(), "{}", nil); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("max stale %v: Require past it: %d, want 503", maxStale, resp.StatusCode)
		}
		front.Close()
		// The set is back: the next fetch (JWKSMinRefresh later) serves again.
		js.down.Store(false)
		advance(time.Minute)
		if _, err := v.Verify(ctx, tok()); err != nil {
			t.Errorf("max stale %v: the set back: %v", maxStale, err)
		}
	}
}
