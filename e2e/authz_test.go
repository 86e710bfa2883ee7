package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The tenants example (issue 15, item 5) as a real process behind its JWT
// verifier, with a key set served by the test on 127.0.0.1: two principals
// at once, over stateful sessions and sessionless requests, each listing
// and using only what its token allows.
func TestTenantsBehindJWT(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	defer jwks.Close()
	const issuer = "https://issuer.test"
	port := freePort(t)
	resource := fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
	env := append(os.Environ(), "TENANTS_ISSUER="+issuer, "TENANTS_JWKS_URL="+jwks.URL, "TENANTS_RESOURCE="+resource)
	url := startHTTPEnv(t, env, buildBinary(t, "../examples/tenants/cmd/tenants"), "-http", fmt.Sprintf("127.0.0.1:%d", port))
	if url != resource {
		t.Fatalf("serving at %s, want %s", url, resource)
	}
	token := func(sub, tenant, scope, aud string, exp time.Duration) string {
		now := time.Now()
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": issuer, "aud": aud, "sub": sub, "client_id": "e2e",
			"tenant": tenant, "scope": scope, "iat": now.Unix(), "exp": now.Add(exp).Unix()})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alice := token("alice", "acme", "admin mail", resource, time.Hour)
	bob := token("bob", "globex", "mail", resource, time.Hour)

	// The HTTP refusals, and the metadata.
	meta := fmt.Sprintf("http://127.0.0.1:%d/.well-known/oauth-protected-resource/mcp", port)
	for _, c := range []struct {
		name, auth string
		status     int
		challenge  string
	}{
		{"no token", "", 401, `Bearer resource_metadata="` + meta + `"`},
		{"another server's token", "Bearer " + token("alice", "acme", "admin", "https://other.test/mcp", time.Hour), 401,
			`Bearer error="invalid_token", error_description="the token was issued for another audience", resource_metadata="` + meta + `"`},
		{"expired", "Bearer " + token("alice", "acme", "admin", resource, -time.Hour), 401,
			`Bearer error="invalid_token", error_description="the token has expired", resource_metadata="` + meta + `"`},
	} {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || resp.Header.Get("WWW-Authenticate") != c.challenge {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), c.status, c.challenge)
		}
	}
	for path, want := range map[string]string{meta: `"resource":"` + resource + `"`, strings.TrimSuffix(url, "/mcp") + "/healthz": "ok"} {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s without a token: %d %s", path, resp.StatusCode, body)
		}
	}

	want := map[string][]string{
		alice: {"prompt:incident", "resource:notes://acme/handbook", "template:mail://{id}", "tool:rotate_keys", "tool:whoami"},
		bob:   {"resource:notes://globex/handbook", "template:mail://{id}", "tool:whoami"},
	}
	names := map[string]string{alice: "alice", bob: "bob"}
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		var wg sync.WaitGroup
		for tok := range want {
			wg.Go(func() {
				who := names[tok] + " " + version
				cs, err := connectBearer(url, tok, version)
				if err != nil {
					t.Errorf("%s: %v", who, err)
					return
				}
				defer cs.Close()
				for range 3 {
					if got, err := listAll(cs); err != nil || !slices.Equal(got, want[tok]) {
						t.Errorf("%s lists %q (%v), want %q", who, got, err, want[tok])
						return
					}
				}
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
				if err != nil || res.IsError || !strings.Contains(fmt.Sprint(res.StructuredContent), names[tok]) {
					t.Errorf("%s whoami: %v %v", who, res, err)
				}
				_, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "rotate_keys", Arguments: map[string]any{"reason": "e2e"}})
				if tok == bob && (err == nil || !strings.Contains(err.Error(), `unknown tool "rotate_keys"`)) {
					t.Errorf("%s rotate_keys: %v", who, err)
				}
				if tok == alice && err != nil {
					t.Errorf("%s rotate_keys: %v", who, err)
				}
				_, err = cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "notes://acme/handbook"})
				var je *jsonrpc.Error
				if tok == bob && (!errors.As(err, &je) || je.Message != "notes://acme/handbook belongs to another tenant than globex") {
					t.Errorf("%s reads acme's handbook: %v", who, err)
				}
				if tok == alice && err != nil {
					t.Errorf("%s reads acme's handbook: %v", who, err)
				}
				r, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "mail://7"})
				if err != nil || r.Contents[0].Text != "message 7 for "+names[tok] {
					t.Errorf("%s reads mail: %v %v", who, r, err)
				}
			})
		}
		wg.Wait()
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func connectBearer(url, token, version string) (*mcp.ClientSession, error) {
	hc := &http.Client{Timeout: 10 * time.Second, Transport: bearer{token}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, nil).Connect(ctx,
		&mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1},
		&mcp.ClientSessionOptions{ProtocolVersion: version})
}

// listAll lists every component cs sees, as sorted kind:name entries.
func listAll(cs *mcp.ClientSession) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, "tool:"+tl.Name)
	}
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, "resource:"+r.URI)
	}
	for r, err := range cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, "template:"+r.URITemplate)
	}
	for p, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, "prompt:"+p.Name)
	}
	slices.Sort(out)
	return out, nil
}
