package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/examples/tenants"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/mcpgen/mcpgen/runtime/auth/oauthproxy"
)

// mcpgen's OAuth login against runtime/auth/oauthproxy, end to end, all
// on 127.0.0.1: the CLI discovers the proxy from the server's 401,
// registers with it (its loopback redirect URI), and prints the
// authorization URL; the test's browser approves on the consent page and
// signs in at an upstream provider that approves at once; the CLI gets
// the proxy's token and calls a tool behind auth.Require(proxy.Verifier()).
func TestCLILoginThroughOAuthProxy(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	upstream := startUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	proxy, err := oauthproxy.New(oauthproxy.Config{
		Issuer: base, Resource: base + "/mcp",
		Upstream: oauthproxy.Upstream{AuthorizationURL: upstream.url + "/authorize", TokenURL: upstream.url + "/token",
			ClientID: "proxy", ClientSecret: "upstream-secret"},
		Scopes:                 []string{"mcp"},
		AllowLoopbackRedirects: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	upstream.redirect = base + "/auth/callback"
	srv := runtime.NewServer(&runtime.Implementation{Name: "behind-the-proxy", Version: "1"}, nil)
	if err := srv.Add(&runtime.Components{Tools: []*runtime.Tool{{
		Name: "whoami", Description: "Whoami says who the caller is.", InputSchema: json.RawMessage(`{"type":"object"}`),
		Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
			p := runtime.PrincipalFrom(ctx)
			return runtime.TextResult("you are " + p.Subject + " via " + p.ClientID[:4]), nil
		},
	}}}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", proxy.Handler())
	mux.Handle("/mcp", srv.Handler())
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: auth.Require(proxy.Verifier(), &auth.Options{
		Resource: base + "/mcp", AuthorizationServers: []string{proxy.AuthorizationServer()}, ScopesSupported: []string{"mcp"}})(mux)}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "MCPGEN_NO_BROWSER=1", "MCPGEN_BEARER=", "MCPGEN_HEADERS="}
	r := startCLI(t, bin, env, "call", base+"/mcp", "whoami")
	consentAndSignIn(t, r.authURL(t))
	out, errOut, code := r.wait(t)
	if code != 0 || !strings.Contains(out, "you are octocat via ") {
		t.Fatalf("call: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The next run uses the stored token: no login.
	r = startCLI(t, bin, env, "call", base+"/mcp", "whoami")
	if out, errOut, code := r.wait(t); code != 0 || !strings.Contains(out, "you are octocat") {
		t.Fatalf("second call: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if n := upstream.signIns(); n != 1 {
		t.Errorf("%d upstream sign-ins, want 1", n)
	}
}

// The tenants example (issue 15, item 5) in its second configuration:
// behind an OAuth proxy in front of an identity provider started by the
// test, both on 127.0.0.1. Two users sign in with mcpgen's CLI, each in
// their own config directory; each lists and reads only what their
// tenant and role allow, from the claims the provider gave the proxy.
func TestTenantsThroughOAuthProxy(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	upstream := startUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	upstream.redirect = base + "/auth/callback"
	srv, err := tenants.NewProxiedServer(tenants.ProxyConfig{Base: base, Upstream: oauthproxy.Upstream{
		AuthorizationURL: upstream.url + "/authorize", TokenURL: upstream.url + "/token",
		ClientID: "proxy", ClientSecret: "upstream-secret",
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	ready := make(chan struct{})
	go func() { served <- srv.ListenAndServe(ctx, addr, func(string) { close(ready) }) }()
	t.Cleanup(func() { cancel(); <-served })
	select {
	case <-ready:
	case err := <-served:
		t.Fatal(err)
	}

	user := func(name, claims string) func(args ...string) (string, string, int) {
		home := t.TempDir()
		env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "MCPGEN_NO_BROWSER=1", "MCPGEN_BEARER=", "MCPGEN_HEADERS="}
		first := true
		return func(args ...string) (string, string, int) {
			t.Helper()
			r := startCLI(t, bin, env, args...)
			if first {
				first = false
				upstream.signInAs(claims)
				consentAndSignIn(t, r.authURL(t))
			}
			return r.wait(t)
		}
	}
	alice := user("alice", `{"sub":"alice","tenant":"acme","admin":true,"aud":"proxy"}`)
	bob := user("bob", `{"sub":"bob","tenant":"globex","aud":"proxy"}`)
	mcp := base + "/mcp"

	out, errOut, code := alice("call", mcp, "whoami")
	if code != 0 || !strings.Contains(out, `"subject": "alice"`) || !strings.Contains(out, `"tenant": "acme"`) || !strings.Contains(out, `"admin"`) {
		t.Fatalf("alice whoami: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = bob("call", mcp, "whoami")
	if code != 0 || !strings.Contains(out, `"subject": "bob"`) || !strings.Contains(out, `"tenant": "globex"`) || strings.Contains(out, `"admin"`) {
		t.Fatalf("bob whoami: exit %d\n%s\n%s", code, out, errOut)
	}
	// Lists differ by role and tenant; both users at once share the server.
	out, _, _ = alice("list", mcp, "--all")
	if !strings.Contains(out, "rotate_keys") || !strings.Contains(out, "notes://acme/handbook") || strings.Contains(out, "notes://globex/handbook") {
		t.Errorf("alice's list:\n%s", out)
	}
	out, _, _ = bob("list", mcp, "--all")
	if strings.Contains(out, "rotate_keys") || strings.Contains(out, "notes://acme/handbook") || !strings.Contains(out, "notes://globex/handbook") {
		t.Errorf("bob's list:\n%s", out)
	}
	if out, errOut, code := alice("read", mcp, "notes://acme/handbook"); code != 0 || out == "" {
		t.Errorf("alice reading acme's handbook: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, _, code := bob("read", mcp, "notes://acme/handbook"); code == 0 {
		t.Error("bob read acme's handbook")
	}
	if _, _, code := bob("call", mcp, "rotate_keys", "reason=test"); code == 0 {
		t.Error("bob called the admin tool")
	}
	if n := upstream.signIns(); n != 2 {
		t.Errorf("%d upstream sign-ins, want one per user", n)
	}
}

var consentInput = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// consentAndSignIn is the user's browser: it opens the authorization URL,
// approves on the consent page, and follows the redirects through the
// upstream provider to the CLI's loopback listener.
func consentAndSignIn(t *testing.T, authURL string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next, form := authURL, url.Values(nil)
	for range 10 {
		method := http.MethodGet
		var body io.Reader
		if form != nil {
			method, body = http.MethodPost, strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, next, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 3:
			loc, _ := req.URL.Parse(resp.Header.Get("Location"))
			next, form = loc.String(), nil
		case resp.StatusCode == http.StatusOK && strings.Contains(string(page), "<form"):
			form = url.Values{"decision": {"approve"}}
			for _, m := range consentInput.FindAllStringSubmatch(string(page), -1) {
				form.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
			}
			next = strings.SplitN(next, "?", 2)[0] // the form posts to the page's own path
		case resp.StatusCode == http.StatusOK:
			return // the CLI's listener has the code
		default:
			t.Fatalf("%s %s: %s %s", method, next, resp.Status, page)
		}
	}
	t.Fatal("too many redirects")
}

// testUpstream is an identity provider without dynamic registration: one
// client (the proxy), approving at once, PKCE S256 checked, an ID token
// naming octocat.
type testUpstream struct {
	url, redirect string
	mu            sync.Mutex
	codes         map[string]string
	n             int
	claims        string // the ID token's claims, JSON
}

// signInAs sets who signs in next: the claims of the ID token.
func (u *testUpstream) signInAs(claims string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.claims = claims
}

func (u *testUpstream) signIns() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.n
}

func startUpstream(t *testing.T) *testUpstream {
	u := &testUpstream{codes: map[string]string{}, claims: `{"sub":"octocat","aud":"proxy"}`}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "proxy" || q.Get("redirect_uri") != u.redirect || q.Get("code_challenge_method") != "S256" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		u.mu.Lock()
		u.n++
		code := fmt.Sprint("code-", u.n)
		u.codes[code] = q.Get("code_challenge")
		u.mu.Unlock()
		http.Redirect(w, r, u.redirect+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, _ := r.BasicAuth()
		u.mu.Lock()
		challenge, ok := u.codes[r.PostForm.Get("code")]
		delete(u.codes, r.PostForm.Get("code"))
		idClaims := u.claims
		u.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		if id != "proxy" || secret != "upstream-secret" || !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		claims := base64.RawURLEncoding.EncodeToString([]byte(idClaims))
		json.NewEncoder(w).Encode(map[string]any{"access_token": "upstream-access", "token_type": "Bearer", "expires_in": 3600,
			"id_token": "e30." + claims + ".c2ln"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.url = "http://" + ln.Addr().String()
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return u
}
