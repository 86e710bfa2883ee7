package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// loginServers are, on 127.0.0.1, an OAuth authorization server (RFC 8414
// metadata, dynamic registration, an authorization endpoint that approves
// at once, and a token endpoint with PKCE S256 and the refresh token
// grant) and an mcpgen runtime server behind go-sdk's bearer token
// middleware, which answers 401 with its protected resource metadata.
type loginServers struct {
	t       *testing.T
	as, mcp *httptest.Server

	mu         sync.Mutex
	registered int                  // dynamic registrations
	redirects  map[string]string    // client ID -> its registered redirect URI
	authorized int                  // authorization requests
	codes      map[string]codeGrant // pending authorization codes
	grants     []string             // grant types of token requests, in order
	refresh    map[string]string    // refresh token -> client ID
	valid      map[string]bool      // access tokens the MCP server takes
	seen       []string             // bearer tokens the MCP server was sent
	issued     int
}

type codeGrant struct{ client, redirect, challenge, resource string }

func newLoginServers(t *testing.T) *loginServers {
	s := &loginServers{t: t, redirects: map[string]string{}, codes: map[string]codeGrant{}, refresh: map[string]string{}, valid: map[string]bool{"static-token": true}}
	s.as = httptest.NewServer(http.HandlerFunc(s.serveAS))
	t.Cleanup(s.as.Close)

	srv := runtime.NewServer(&runtime.Implementation{Name: "protected", Version: "1"}, nil)
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "forecast", Description: "Forecast says the weather.", InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`),
		Handler: func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
			return runtime.TextResult("sunny: " + string(args)), nil
		},
	}}}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.mcp = httptest.NewServer(mux)
	t.Cleanup(s.mcp.Close)
	mux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource: s.url(), AuthorizationServers: []string{s.as.URL},
	}))
	verify := func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.seen = append(s.seen, token)
		if !s.valid[token] {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{Expiration: time.Now().Add(time.Hour)}, nil
	}
	mux.Handle("/mcp", auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: s.mcp.URL + "/.well-known/oauth-protected-resource/mcp",
	})(srv.Handler()))
	return s
}

func (s *loginServers) url() string { return s.mcp.URL + "/mcp" }

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (s *loginServers) serveAS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(code string) { writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": code}) }
	switch r.URL.Path {
	case "/.well-known/oauth-authorization-server":
		writeJSONStatus(w, http.StatusOK, map[string]any{
			"issuer":                                s.as.URL,
			"authorization_endpoint":                s.as.URL + "/authorize",
			"token_endpoint":                        s.as.URL + "/token",
			"registration_endpoint":                 s.as.URL + "/register",
			"response_types_supported":              []string{"code"},
			"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
			"code_challenge_methods_supported":      []string{"S256"},
			"token_endpoint_auth_methods_supported": []string{"none"},
		})
	case "/register":
		var md struct {
			RedirectURIs []string `json:"redirect_uris"`
		}
		if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&md) != nil || len(md.RedirectURIs) != 1 {
			fail("invalid_client_metadata")
			return
		}
		s.registered++
		id := fmt.Sprintf("client-%d", s.registered)
		s.redirects[id] = md.RedirectURIs[0]
		writeJSONStatus(w, http.StatusCreated, map[string]any{"client_id": id, "redirect_uris": md.RedirectURIs, "token_endpoint_auth_method": "none"})
	case "/authorize":
		s.authorized++
		q := r.URL.Query()
		redirect := q.Get("redirect_uri")
		if want, ok := s.redirects[q.Get("client_id")]; !ok || redirect != want {
			http.Error(w, "unknown client or redirect URI", http.StatusBadRequest)
			return
		}
		if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("resource") != s.url() {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		code := rand.Text()
		s.codes[code] = codeGrant{client: q.Get("client_id"), redirect: redirect, challenge: q.Get("code_challenge"), resource: q.Get("resource")}
		u, _ := url.Parse(redirect)
		u.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	case "/token":
		r.ParseForm()
		grant := r.PostForm.Get("grant_type")
		s.grants = append(s.grants, grant)
		client := r.PostForm.Get("client_id")
		if id, _, ok := r.BasicAuth(); ok {
			client, _ = url.QueryUnescape(id)
		}
		if r.PostForm.Get("resource") != s.url() {
			fail("invalid_target")
			return
		}
		switch grant {
		case "authorization_code":
			c, ok := s.codes[r.PostForm.Get("code")]
			delete(s.codes, r.PostForm.Get("code"))
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if !ok || c.client != client || c.redirect != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
				fail("invalid_grant")
				return
			}
		case "refresh_token":
			if s.refresh[r.PostForm.Get("refresh_token")] != client {
				fail("invalid_grant")
				return
			}
		default:
			fail("unsupported_grant_type")
			return
		}
		s.issued++
		access, refresh := fmt.Sprintf("access-%d", s.issued), fmt.Sprintf("refresh-%d", s.issued)
		s.valid[access] = true
		s.refresh[refresh] = client
		writeJSONStatus(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": refresh})
	default:
		http.NotFound(w, r)
	}
}

// counts returns the registrations, the authorization requests and the
// grant types of the token requests so far.
func (s *loginServers) counts() (int, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registered, s.authorized, strings.Join(s.grants, ",")
}

// lines is an io.Writer that hands each authorization URL line to urls.
type lines struct {
	mu   sync.Mutex
	all  bytes.Buffer
	part string
	urls chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.part += string(p)
	for {
		line, rest, ok := strings.Cut(l.part, "\n")
		if !ok {
			break
		}
		l.part = rest
		if u := strings.TrimSpace(line); strings.HasPrefix(u, "http") && strings.Contains(u, "/authorize?") {
			l.urls <- u
		}
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// cliRun is a run of the mcpgen binary.
type cliRun struct {
	cancel context.CancelFunc
	stdout bytes.Buffer
	stderr *lines
	done   chan error
}

func startCLI(t *testing.T, bin string, env []string, args ...string) *cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	r := &cliRun{cancel: cancel, stderr: &lines{urls: make(chan string, 4)}, done: make(chan error, 1)}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &r.stdout, r.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// authURL waits for the authorization URL the run prints.
func (r *cliRun) authURL(t *testing.T) string {
	t.Helper()
	select {
	case u := <-r.stderr.urls:
		return u
	case err := <-r.done:
		r.done <- err
		t.Fatalf("mcpgen ended (%v) without printing an authorization URL; stderr:\n%s", err, r.stderr)
	}
	return ""
}

// wait returns the run's stdout, stderr and exit status, and fails if it
// printed an authorization URL no one asked for.
func (r *cliRun) wait(t *testing.T) (string, string, int) {
	t.Helper()
	err := <-r.done
	r.done <- err
	r.cancel()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-r.stderr.urls:
		t.Errorf("unexpected authorization: %s", u)
	default:
	}
	return r.stdout.String(), r.stderr.String(), code
}

// noRedirects is the test's browser: it makes each request itself, so
// that it sees the authorization server's redirect.
var noRedirects = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// browse plays the user's browser: it opens the authorization URL, which
// the server approves at once, and follows its redirect to the CLI's
// loopback listener. It returns the redirect URI.
func browse(t *testing.T, authURL string) string {
	t.Helper()
	resp := get(t, authURL)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || loc == "" {
		t.Fatalf("authorization answered %s, Location %q", resp.Status, loc)
	}
	if !strings.HasPrefix(loc, "http://127.0.0.1:") || !strings.Contains(loc, "/callback?") {
		t.Fatalf("redirect to %s, want the loopback listener", loc)
	}
	if resp := get(t, loc); resp.StatusCode != http.StatusOK {
		t.Fatalf("the loopback listener answered the redirect with %s", resp.Status)
	}
	u, _ := url.Parse(authURL)
	return u.Query().Get("redirect_uri")
}

// storedLogin reads the one stored login in dir.
func storedLogin(t *testing.T, dir string) (string, map[string]any) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d stored logins in %s, want 1", len(files), dir)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return files[0], m
}

// mcpgen list|call against a server that answers 401 logs in with OAuth
// in the "browser" (the test), keeps the tokens in the user config
// directory, reuses and refreshes them in later runs, and forgets them at
// logout; --auth none and --auth bearer do not log in.
func TestCLILogin(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := newLoginServers(t)
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "MCPGEN_NO_BROWSER=1", "MCPGEN_BEARER=", "MCPGEN_HEADERS="}
	tokens := filepath.Join(home, "config", "mcpgen", "tokens")
	if got, err := os.UserConfigDir(); err == nil && got == "" {
		t.Fatal("no user config directory")
	}

	// First run: 401, then the flow. A redirect with the wrong state is
	// refused, and the login goes on to take the right one.
	r := startCLI(t, bin, env, "list", s.url())
	authURL := r.authURL(t)
	redirect, _ := url.Parse(authURL)
	back := redirect.Query().Get("redirect_uri")
	if !strings.HasPrefix(back, "http://127.0.0.1:") || !strings.HasSuffix(back, "/callback") {
		t.Fatalf("redirect_uri %q, want a loopback listener", back)
	}
	if resp := get(t, back+"?code=forged&state=wrong"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a redirect with the wrong state: %s, want 400 Bad Request", resp.Status)
	}
	if resp := get(t, back+"?code=forged"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a redirect without state: %s, want 400 Bad Request", resp.Status)
	}
	browse(t, authURL)
	out, errOut, code := r.wait(t)
	if code != 0 || !strings.Contains(out, "forecast(") {
		t.Fatalf("list: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, s.url()+" asks you to log in") {
		t.Errorf("stderr does not say why it prints the URL:\n%s", errOut)
	}
	if reg, authz, grants := s.counts(); reg != 1 || authz != 1 || grants != "authorization_code" {
		t.Errorf("after the first run: %d registrations, %d authorizations, token requests %q", reg, authz, grants)
	}
	path, stored := storedLogin(t, tokens)
	for p, want := range map[string]os.FileMode{tokens: 0o700 | os.ModeDir, path: 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode() != want {
			t.Errorf("%s: %v, %v; want mode %v", p, st.Mode(), err, want)
		}
	}
	if tok, _ := stored["token"].(map[string]any); stored["client_id"] != "client-1" || stored["redirect_uri"] != back || tok["access_token"] != "access-1" || tok["refresh_token"] != "refresh-1" {
		t.Errorf("stored login: %v", stored)
	}

	// Second run: the stored token, no authorization.
	r = startCLI(t, bin, env, "call", s.url(), "forecast", "city=Paris")
	out, errOut, code = r.wait(t)
	if code != 0 || !strings.Contains(out, `sunny: {"city":"Paris"}`) {
		t.Fatalf("call: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if reg, authz, grants := s.counts(); reg != 1 || authz != 1 || grants != "authorization_code" {
		t.Errorf("with a stored token: %d registrations, %d authorizations, token requests %q", reg, authz, grants)
	}

	// The access token has expired (and the server no longer takes it):
	// refreshed with the refresh token grant, and the new one stored.
	stored["token"].(map[string]any)["expiry"] = time.Now().Add(-time.Hour).Format(time.RFC3339)
	data, _ := json.Marshal(stored)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	delete(s.valid, "access-1")
	s.mu.Unlock()
	r = startCLI(t, bin, env, "inspect", s.url())
	out, errOut, code = r.wait(t)
	if code != 0 || !strings.Contains(out, "protected") {
		t.Fatalf("inspect: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if reg, authz, grants := s.counts(); reg != 1 || authz != 1 || grants != "authorization_code,refresh_token" {
		t.Errorf("with an expired token: %d registrations, %d authorizations, token requests %q; want a refresh", reg, authz, grants)
	}
	_, stored = storedLogin(t, tokens)
	if tok, _ := stored["token"].(map[string]any); tok["access_token"] != "access-2" {
		t.Errorf("after refreshing, stored %v", stored["token"])
	}

	// Logout forgets the login (and says so when there is none); the next
	// run logs in again, from a new registration.
	r = startCLI(t, bin, env, "logout", s.url())
	if out, errOut, code := r.wait(t); code != 0 || !strings.Contains(out, "logged out of "+s.url()) {
		t.Fatalf("logout: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if files, _ := filepath.Glob(filepath.Join(tokens, "*.json")); len(files) != 0 {
		t.Errorf("after logout: %v", files)
	}
	r = startCLI(t, bin, env, "logout", s.url())
	if out, _, code := r.wait(t); code != 0 || !strings.Contains(out, "not logged in to "+s.url()) {
		t.Errorf("second logout: exit %d, %q", code, out)
	}
	// The time in the browser does not count against --timeout.
	r = startCLI(t, bin, env, "list", "--timeout", "2s", s.url())
	authURL = r.authURL(t)
	time.Sleep(3 * time.Second)
	browse(t, authURL)
	if out, errOut, code := r.wait(t); code != 0 || !strings.Contains(out, "forecast(") {
		t.Fatalf("list after logout: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if reg, authz, _ := s.counts(); reg != 2 || authz != 2 {
		t.Errorf("after logout: %d registrations, %d authorizations; want a new login", reg, authz)
	}

	// A token that can be neither used nor refreshed: a new login, by the
	// stored client when its redirect URI can be listened on again.
	path, stored = storedLogin(t, tokens)
	before := stored["redirect_uri"]
	stored["token"] = map[string]any{"access_token": "revoked", "expiry": time.Now().Add(-time.Hour).Format(time.RFC3339)}
	data, _ = json.Marshal(stored)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r = startCLI(t, bin, env, "list", s.url())
	again := browse(t, r.authURL(t))
	if out, errOut, code := r.wait(t); code != 0 || !strings.Contains(out, "forecast(") {
		t.Fatalf("list with a dead token: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantReg := 2
	if again != before {
		wantReg = 3 // its port was taken: registered for the new one
	}
	if reg, authz, _ := s.counts(); reg != wantReg || authz != 3 {
		t.Errorf("with a dead token: %d registrations (want %d; redirect %s, before %s), %d authorizations", reg, wantReg, again, before, authz)
	}

	// --auth none: no login, and an error that says what to do.
	r = startCLI(t, bin, env, "list", "--auth", "none", s.url())
	if _, errOut, code := r.wait(t); code != 1 || !strings.Contains(errOut, "the server asks for authorization (401 Unauthorized)") || !strings.Contains(errOut, "--auth oauth") {
		t.Errorf("--auth none: exit %d, stderr:\n%s", code, errOut)
	}

	// --auth bearer: the token given, and nothing else.
	s.mu.Lock()
	s.seen = nil
	s.mu.Unlock()
	r = startCLI(t, bin, env, "list", "--auth", "bearer", "--bearer", "static-token", s.url())
	if out, errOut, code := r.wait(t); code != 0 || !strings.Contains(out, "forecast(") {
		t.Fatalf("--auth bearer: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	s.mu.Lock()
	seen := s.seen
	s.mu.Unlock()
	for _, tok := range seen {
		if tok != "static-token" {
			t.Errorf("--auth bearer sent %q", tok)
		}
	}
	if len(seen) == 0 {
		t.Error("--auth bearer sent no token")
	}
	r = startCLI(t, bin, env, "list", "--auth", "bearer", s.url())
	if _, errOut, code := r.wait(t); code != 1 || !strings.Contains(errOut, "--auth bearer needs a token") {
		t.Errorf("--auth bearer without a token: exit %d, stderr:\n%s", code, errOut)
	}
	r = startCLI(t, bin, env, "list", "--bearer", "wrong", s.url())
	if _, errOut, code := r.wait(t); code != 1 || !strings.Contains(errOut, "the server refused the token (401 Unauthorized)") {
		t.Errorf("a wrong token: exit %d, stderr:\n%s", code, errOut)
	}
	if _, authz, _ := s.counts(); authz != 3 {
		t.Errorf("%d authorizations; none of the last runs should have logged in", authz)
	}
}

// The README's login section names the flags the commands have.
func TestLoginREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"`--auth oauth`", "`--auth bearer`", "`--auth none`", "`--no-browser`", "`MCPGEN_NO_BROWSER=1`", "`mcpgen logout URL`", "`mcpgen/tokens/<hash of the URL>.json`", "the server asks for authorization (401 Unauthorized)"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("the README does not say %s", want)
		}
	}
	commands := map[string]bool{}
	for _, c := range root.Commands() {
		commands[c.Name()] = true
		switch c.Name() {
		case "list", "call", "read", "prompt", "inspect", "generate-client", "generate-cli":
			for _, flag := range []string{"auth", "no-browser", "bearer"} {
				if c.Flags().Lookup(flag) == nil {
					t.Errorf("%s has no --%s", c.Name(), flag)
				}
			}
		}
	}
	if !commands["logout"] {
		t.Error("no logout command")
	}
}
