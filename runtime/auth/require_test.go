package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var (
	alice = &runtime.Principal{Subject: "alice", ClientID: "app", Scopes: []string{"mcp", "admin"}, Claims: map[string]any{"sub": "alice", "tenant": "acme"}}
	bob   = &runtime.Principal{Subject: "bob", ClientID: "app", Scopes: []string{"mcp"}, Claims: map[string]any{"sub": "bob", "tenant": "globex"}}
	carol = &runtime.Principal{Subject: "carol", Scopes: []string{"other"}}
)

func staticTokens() auth.Verifier {
	return auth.Static(map[string]*runtime.Principal{"tok-alice": alice, "tok-bob": bob, "tok-carol": carol})
}

// whoami reports the principal the tool sees, and the session.
func whoami(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
	p := runtime.PrincipalFrom(ctx)
	if p == nil {
		return runtime.TextResult("nobody"), nil
	}
	return runtime.TextResult(p.Subject + " " + runtime.SessionID(ctx)), nil
}

func newServer(t *testing.T, opts *runtime.Options) *runtime.Server {
	t.Helper()
	s := runtime.NewServer(&runtime.Implementation{Name: "authz", Version: "1"}, opts)
	if err := s.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "whoami", Description: "who", InputSchema: json.RawMessage(`{"type":"object"}`), Handler: whoami,
	}}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// serve serves h on 127.0.0.1 and returns the resource URL of its /mcp.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/mcp"
}

func post(t *testing.T, url, token, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// The refusals and their exact challenges.
func TestRequireChallenges(t *testing.T) {
	mux := http.NewServeMux()
	var resource string
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resource = srv.URL + "/mcp"
	s := newServer(t, &runtime.Options{Stateless: true, JSONResponse: true})
	mw := auth.Require(staticTokens(), &auth.Options{Resource: resource, Scopes: []string{"mcp"}, AuthorizationServers: []string{"https://as.example"}})
	mux.Handle("/", mw(s.Handler()))
	meta := srv.URL + "/.well-known/oauth-protected-resource/mcp"
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	hdr := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
	for _, c := range []struct {
		name, auth string
		status     int
		challenge  string
	}{
		{"no token", "", 401, `Bearer scope="mcp", resource_metadata="` + meta + `"`},
		{"another scheme", "Basic YTpi", 401, `Bearer scope="mcp", resource_metadata="` + meta + `"`},
		{"malformed", "Bearer a b", 400, `Bearer error="invalid_request", error_description="the Authorization header is not Bearer <token>", resource_metadata="` + meta + `"`},
		{"unknown token", "Bearer nope", 401, `Bearer error="invalid_token", error_description="unknown token", resource_metadata="` + meta + `"`},
		{"too long", "Bearer " + strings.Repeat("x", auth.MaxTokenBytes+1), 401, `Bearer error="invalid_token", error_description="the token is too long", resource_metadata="` + meta + `"`},
		{"insufficient scope", "Bearer tok-carol", 403, `Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="mcp", resource_metadata="` + meta + `"`},
	} {
		resp, body := post(t, resource, c.auth, list, hdr)
		if resp.StatusCode != c.status || resp.Header.Get("WWW-Authenticate") != c.challenge {
			t.Errorf("%s: %d %q, want %d %q (%s)", c.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), c.status, c.challenge, body)
		}
	}
	// Two Authorization headers.
	req, _ := http.NewRequest(http.MethodPost, resource, strings.NewReader(list))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header["Authorization"] = []string{"Bearer tok-bob", "Bearer tok-alice"}
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req); err != nil || resp.StatusCode != 400 ||
		resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_request", error_description="more than one Authorization header", resource_metadata="`+meta+`"` {
		t.Errorf("two Authorization headers: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, body := post(t, resource, "Bearer tok-bob", list, hdr); resp.StatusCode != 200 || !strings.Contains(body, `"whoami"`) {
		t.Errorf("bob: %d %s", resp.StatusCode, body)
	}

	// RFC 9728 metadata at the path-aware well-known URL.
	resp, err := http.Get(meta)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("metadata: %d %v", resp.StatusCode, err)
	}
	if m["resource"] != resource || m["authorization_servers"].([]any)[0] != "https://as.example" || m["scopes_supported"].([]any)[0] != "mcp" {
		t.Errorf("metadata: %v", m)
	}
}

// Paths other than the resource's pass through; Optional lets requests
// without a token through, with no principal.
func TestRequirePathsAndOptional(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := newServer(t, &runtime.Options{Stateless: true, JSONResponse: true})
	inner := http.NewServeMux()
	inner.Handle("/mcp", s.Handler())
	inner.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.Handle("/", auth.Require(staticTokens(), &auth.Options{Resource: srv.URL + "/mcp", Optional: true})(inner))
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`
	hdr := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
	if _, body := post(t, srv.URL+"/mcp", "", call, hdr); !strings.Contains(body, `"nobody"`) {
		t.Errorf("no token, optional: %s", body)
	}
	if resp, body := post(t, srv.URL+"/mcp", "Bearer forged", call, hdr); resp.StatusCode != 401 {
		t.Errorf("a bad token, optional: %d %s", resp.StatusCode, body)
	}
	// The fast path and go-sdk's path both see the principal, and the
	// sessionless request's session is the principal's.
	_, body := post(t, srv.URL+"/mcp", "Bearer tok-alice", call, hdr)
	if !strings.Contains(body, `"alice `+alice.Key()+`"`) {
		t.Errorf("alice: %s", body)
	}
}

// Over stateful HTTP with go-sdk's client: each principal sees itself,
// and a session opened by one principal refuses another's token.
func TestRequireStatefulSessionsBound(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := newServer(t, nil)
	mux.Handle("/", auth.Require(staticTokens(), &auth.Options{Resource: srv.URL + "/mcp"})(s.Handler()))
	connectAs := func(token, version string) *mcp.ClientSession {
		t.Helper()
		hc := &http.Client{Timeout: 10 * time.Second, Transport: bearerTransport{token, http.DefaultTransport}}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(),
			&mcp.StreamableClientTransport{Endpoint: srv.URL + "/mcp", HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1},
			&mcp.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	who := func(cs *mcp.ClientSession) string {
		t.Helper()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}
	// Stateful sessions (2025-11-25) and sessionless requests (2026-07-28),
	// whose session is the principal's.
	a, b := connectAs("tok-alice", "2025-11-25"), connectAs("tok-bob", "2025-11-25")
	a2, b2 := connectAs("tok-alice", "2026-07-28"), connectAs("tok-bob", "2026-07-28")
	if a.ID() == "" || a.ID() == b.ID() {
		t.Fatalf("sessions %q and %q", a.ID(), b.ID())
	}
	for cs, want := range map[*mcp.ClientSession]string{a: "alice " + a.ID(), b: "bob " + b.ID(), a2: "alice " + alice.Key(), b2: "bob " + bob.Key()} {
		if got := who(cs); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	// Bob's token on Alice's session.
	resp, body := post(t, srv.URL+"/mcp", "Bearer tok-bob", `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`,
		map[string]string{"Mcp-Session-Id": a.ID(), "Mcp-Protocol-Version": "2025-11-25"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob on alice's session: %d %s", resp.StatusCode, body)
	}
	if got := who(a); got != "alice "+a.ID() {
		t.Errorf("alice after bob's attempt: %q", got)
	}
}

type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
