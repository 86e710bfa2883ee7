package client

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// authServer is an OAuth authorization server and an MCP server it
// protects, both on 127.0.0.1, that check what the MCP authorization
// specification asks of a client: PKCE (S256), the resource indicator,
// dynamic registration, the refresh token grant.
type authServer struct {
	t        *testing.T
	as, mcp  *httptest.Server
	expires  int      // expires_in of the first access token
	redirect string   // where the authorization endpoint sends the user back ("" for the redirect_uri asked for)
	denied   bool     // the authorization endpoint answers error=access_denied
	methods  []string // token_endpoint_auth_methods_supported

	mu         sync.Mutex
	challenge  string          // the code challenge of the pending authorization
	clients    map[string]bool // registered client IDs
	valid      map[string]bool // access tokens the MCP server accepts
	grants     []string        // grant types of the token requests, in order
	registered int
}

func newAuthServer(t *testing.T) *authServer {
	s := &authServer{t: t, expires: 3600, methods: []string{"none"}, clients: map[string]bool{}, valid: map[string]bool{}}
	s.as = httptest.NewServer(http.HandlerFunc(s.serveAS))
	t.Cleanup(s.as.Close)
	srv := mcp.NewServer(&mcp.Implementation{Name: "protected", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "ping"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "pong"}}}, nil, nil
	})
	// Stateless: go-sdk's stateful handler refuses 2026-07-28.
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{Stateless: true})
	s.mcp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/oauth-protected-resource/mcp" {
			writeJSON(w, map[string]any{"resource": s.mcp.URL + "/mcp", "authorization_servers": []string{s.as.URL}})
			return
		}
		s.mu.Lock()
		ok := s.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		s.mu.Unlock()
		if !ok {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer resource_metadata="%s/.well-known/oauth-protected-resource/mcp"`, s.mcp.URL))
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.mcp.Close)
	return s
}

func (s *authServer) url() string { return s.mcp.URL + "/mcp" }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *authServer) serveAS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/oauth-authorization-server":
		writeJSON(w, map[string]any{
			"issuer":                                s.as.URL,
			"authorization_endpoint":                s.as.URL + "/authorize",
			"token_endpoint":                        s.as.URL + "/token",
			"registration_endpoint":                 s.as.URL + "/register",
			"response_types_supported":              []string{"code"},
			"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
			"code_challenge_methods_supported":      []string{"S256"},
			"token_endpoint_auth_methods_supported": s.methods,
		})
	case "/register":
		var md struct {
			RedirectURIs []string `json:"redirect_uris"`
		}
		if json.NewDecoder(r.Body).Decode(&md) != nil || len(md.RedirectURIs) == 0 {
			http.Error(w, "bad registration", http.StatusBadRequest)
			return
		}
		s.registered++
		id := fmt.Sprintf("client-%d", s.registered)
		s.clients[id] = true
		w.WriteHeader(http.StatusCreated)
		writeJSON(w, map[string]any{"client_id": id, "redirect_uris": md.RedirectURIs})
	case "/authorize":
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			s.t.Errorf("authorization request without PKCE: %v", q)
		}
		if q.Get("resource") != s.url() {
			s.t.Errorf("authorization request: resource = %q, want %q", q.Get("resource"), s.url())
		}
		if !s.clients[q.Get("client_id")] {
			s.t.Errorf("authorization request from unregistered client %q", q.Get("client_id"))
		}
		s.challenge = q.Get("code_challenge")
		back := q.Get("redirect_uri")
		if s.redirect != "" {
			back = s.redirect
		}
		u, _ := url.Parse(back)
		v := url.Values{"state": {q.Get("state")}}
		if s.denied {
			v.Set("error", "access_denied")
			v.Set("error_description", "the user said no")
		} else {
			v.Set("code", "the-code")
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	case "/token":
		r.ParseForm()
		grant := r.PostForm.Get("grant_type")
		s.grants = append(s.grants, grant)
		if r.PostForm.Get("resource") != s.url() {
			s.t.Errorf("token request (%s): resource = %q, want %q", grant, r.PostForm.Get("resource"), s.url())
		}
		switch grant {
		case "authorization_code":
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if r.PostForm.Get("code") != "the-code" || base64.RawURLEncoding.EncodeToString(sum[:]) != s.challenge {
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"error": "invalid_grant"})
				return
			}
			s.valid["token-1"] = true
			writeJSON(w, map[string]any{"access_token": "token-1", "token_type": "Bearer", "expires_in": s.expires, "refresh_token": "refresh-1"})
		case "refresh_token":
			if r.PostForm.Get("refresh_token") != "refresh-1" {
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"error": "invalid_grant"})
				return
			}
			s.valid["token-2"] = true
			writeJSON(w, map[string]any{"access_token": "token-2", "token_type": "Bearer", "expires_in": 3600})
		default:
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]any{"error": "unsupported_grant_type"})
		}
	default:
		http.NotFound(w, r)
	}
}

func (s *authServer) oauth() *OAuth {
	return &OAuth{RedirectURL: "http://127.0.0.1:1/callback", Authorize: FollowRedirect(nil), ClientName: "test"}
}

// A server that answers 401 gets an authorization code flow with PKCE
// and the resource indicator, after dynamic registration; the token then
// works and the session negotiated the newest protocol version.
func TestOAuthAuthorizationCode(t *testing.T) {
	s := newAuthServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := Connect(ctx, s.url(), &Options{OAuth: s.oauth()})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"})
	if err != nil || Text(res.Content) != "pong" {
		t.Fatalf("ping = %v, %v", res, err)
	}
	if s.registered != 1 {
		t.Errorf("%d dynamic registrations, want 1", s.registered)
	}
	if got := strings.Join(s.grants, ","); got != "authorization_code" {
		t.Errorf("token requests: %s", got)
	}
	if v := cs.InitializeResult().ProtocolVersion; v != mcp.SupportedProtocolVersions()[0] {
		t.Errorf("protocol version %q, want the newest, %q", v, mcp.SupportedProtocolVersions()[0])
	}
}

// An access token that expires is replaced with the refresh token grant,
// without a new authorization.
func TestOAuthRefresh(t *testing.T) {
	s := newAuthServer(t)
	s.expires = 1 // within oauth2's expiry margin: refreshed before next use
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o := s.oauth()
	o.RefreshTokens = true
	cs, err := Connect(ctx, s.url(), &Options{OAuth: o})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	delete(s.valid, "token-1") // the expired token no longer works
	s.mu.Unlock()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.grants, ","); got != "authorization_code,refresh_token" {
		t.Errorf("token requests: %s, want authorization_code,refresh_token", got)
	}
}

// An authorization the user refuses ends Connect with the server's reason.
func TestOAuthDenied(t *testing.T) {
	s := newAuthServer(t)
	s.denied = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Connect(ctx, s.url(), &Options{OAuth: s.oauth()})
	if err == nil || !strings.Contains(err.Error(), "access_denied: the user said no") {
		t.Fatalf("err = %v, want the refusal", err)
	}
	if len(s.grants) != 0 {
		t.Errorf("token requests after a refusal: %v", s.grants)
	}
}

// FollowRedirect needs a redirect.
func TestFollowRedirectNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("log in")) }))
	defer srv.Close()
	_, err := FollowRedirect(nil)(context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "200 OK without a redirect") {
		t.Fatalf("err = %v", err)
	}
}

func TestOAuthConfigErrors(t *testing.T) {
	authorize := FollowRedirect(nil)
	for _, tc := range []struct {
		o    OAuth
		want string
	}{
		{OAuth{Authorize: authorize}, "a redirect URL is required"},
		{OAuth{RedirectURL: "http://127.0.0.1/cb"}, "an Authorize function is required"},
		{OAuth{RedirectURL: "http://127.0.0.1/cb", Authorize: authorize, NoDynamicRegistration: true}, "registration"},
		{OAuth{ClientCredentials: true, ClientID: "id"}, "needs a client ID and a secret or private key"},
		{OAuth{ClientID: "id", Enterprise: &Enterprise{IdPClientID: "idp", IDToken: func(context.Context) (string, error) { return "t", nil }}}, "the identity provider's issuer or token endpoint"},
	} {
		_, err := tc.o.Handler()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.o, err, tc.want)
		}
	}
}
