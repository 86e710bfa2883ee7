package oauthproxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/mcpgen/mcpgen/runtime/auth/oauthproxy"
)

// key stands for 32 random bytes from a secret store.
var key = bytes.Repeat([]byte{7}, 32)

// An MCP server behind the proxy, in front of GitHub (not contacted here:
// the example shows what a client discovers before it signs in; the
// package's tests run the whole flow against a provider on 127.0.0.1).
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String() // https://mcp.example.com in production
	srv := runtime.NewServer(&runtime.Implementation{Name: "notes", Version: "1"}, nil)
	// README: oauthproxy
	proxy, err := oauthproxy.New(oauthproxy.Config{
		Issuer:   base,          // the proxy's endpoints and metadata live here
		Resource: base + "/mcp", // the MCP endpoint: every token's audience
		Upstream: oauthproxy.Upstream{
			AuthorizationURL: "https://github.com/login/oauth/authorize",
			TokenURL:         "https://github.com/login/oauth/access_token",
			ClientID:         "Iv1.proxy",     // the proxy's OAuth app, whose callback is base+"/auth/callback"
			ClientSecret:     "github-secret", // from a secret store
			Scopes:           []string{"read:user"},
		},
		Scopes:                 []string{"notes"},
		AllowedRedirectURIs:    []string{"https://claude.ai/api/mcp/auth_callback"},
		AllowLoopbackRedirects: true, // native clients on http://127.0.0.1:PORT/...
		Key:                    key,  // 32+ random bytes, the same on every replica
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", proxy.Handler()) // metadata, /register, /authorize, /consent, /auth/callback, /token
	mux.Handle("/mcp", srv.Handler())
	handler := auth.Require(proxy.Verifier(), &auth.Options{
		Resource:             base + "/mcp",
		AuthorizationServers: []string{proxy.AuthorizationServer()},
		ScopesSupported:      []string{"notes"},
	})(mux)
	// README end
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	defer hs.Shutdown(context.Background())

	show := func(s string) string { return strings.ReplaceAll(s, base, "https://mcp.example.com") }
	resp, _ := http.Post(base+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	resp.Body.Close()
	fmt.Println(resp.StatusCode, show(resp.Header.Get("WWW-Authenticate")))
	for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server"} {
		resp, _ := http.Get(base + path)
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		for _, k := range []string{"authorization_servers", "issuer", "authorization_endpoint", "registration_endpoint", "code_challenge_methods_supported"} {
			if v, ok := m[k]; ok {
				b, _ := json.Marshal(v)
				fmt.Println(k, show(string(b)))
			}
		}
	}
	// Output:
	// 401 Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
	// authorization_servers ["https://mcp.example.com"]
	// issuer "https://mcp.example.com"
	// authorization_endpoint "https://mcp.example.com/authorize"
	// registration_endpoint "https://mcp.example.com/register"
	// code_challenge_methods_supported ["S256"]
}

// Middleware serves the proxy's endpoints in front of another handler,
// for runtime.Options.HTTPMiddleware.
func TestMiddleware(t *testing.T) {
	proxy, err := oauthproxy.New(oauthproxy.Config{Issuer: "http://127.0.0.1:1", Resource: "http://127.0.0.1:1/mcp",
		Upstream: oauthproxy.Upstream{AuthorizationURL: "http://127.0.0.1:2/a", TokenURL: "http://127.0.0.1:2/t", ClientID: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "next") })
	h := proxy.Middleware()(next)
	for path, want := range map[string]string{"/.well-known/oauth-authorization-server": `"issuer"`, "/mcp": "next", "/healthz": "next", "/token": "invalid_request"} {
		rec := &recorder{header: http.Header{}}
		method := http.MethodGet
		if path == "/token" {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, "http://127.0.0.1:1"+path, nil)
		h.ServeHTTP(rec, req)
		if !strings.Contains(rec.body.String(), want) {
			t.Errorf("%s: %q, want %q", path, rec.body.String(), want)
		}
	}
}

type recorder struct {
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(int)             {}

// The README shows the example's snippet.
func TestREADME(t *testing.T) {
	readme.Check(t, "../../../README.md", "example_test.go", "oauthproxy")
}
