package oauthproxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/mcpgen/mcpgen/runtime/state"
)

// The test environment: an upstream authorization server (idp) and the
// proxy, each on its own 127.0.0.1 listener, browsers with cookie jars,
// and an MCP client that registers and authorizes with PKCE.

// idp is an upstream provider without dynamic registration: one client
// (the proxy), an authorization endpoint that approves at once, and a
// token endpoint that checks the proxy's PKCE and secret.
type idp struct {
	t        *testing.T
	url      string
	clientID string
	secret   string
	redirect string // the proxy's callback, the only redirect URI

	mu        sync.Mutex
	codes     map[string]idpCode
	refresh   map[string]bool
	issued    []string // every token handed to the proxy
	sub       string   // who signs in
	exchange  int      // token requests served
	expiresIn int      // of its access tokens (3600 if 0)
	refuse    bool     // refuses every refresh
	hold      func()   // if set, called before a refresh request is served
}

type idpCode struct{ challenge, redirect string }

func newIDP(t *testing.T) *idp {
	d := &idp{t: t, clientID: "proxy-at-idp", secret: "idp-secret-for-the-proxy", codes: map[string]idpCode{},
		refresh: map[string]bool{}, sub: "user-1"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", d.authorize)
	mux.HandleFunc("POST /token", d.token)
	d.url = serve(t, mux)
	return d
}

func (d *idp) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != d.clientID || q.Get("redirect_uri") != d.redirect || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := randomString(16)
	d.mu.Lock()
	d.codes[code] = idpCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	d.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

func (d *idp) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != d.clientID || secret != d.secret {
		writeError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	d.mu.Lock()
	hold := d.hold
	d.mu.Unlock()
	if hold != nil && r.PostForm.Get("grant_type") == "refresh_token" {
		hold()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.exchange++
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c, ok := d.codes[r.PostForm.Get("code")]
		delete(d.codes, r.PostForm.Get("code"))
		if !ok || c.redirect != r.PostForm.Get("redirect_uri") || s256(r.PostForm.Get("code_verifier")) != c.challenge {
			writeError(w, http.StatusBadRequest, "invalid_grant", "")
			return
		}
	case "refresh_token":
		if d.refuse || !d.refresh[r.PostForm.Get("refresh_token")] {
			writeError(w, http.StatusBadRequest, "invalid_grant", "")
			return
		}
		delete(d.refresh, r.PostForm.Get("refresh_token"))
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	at, rt := "UPSTREAM-AT-"+randomString(16), "UPSTREAM-RT-"+randomString(16)
	claims, _ := json.Marshal(map[string]any{"iss": d.url, "sub": d.sub, "aud": d.clientID, "email": d.sub + "@idp.test",
		"exp": time.Now().Add(time.Hour).Unix()})
	idt := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
	d.refresh[rt] = true
	d.issued = append(d.issued, at, rt, idt)
	exp := d.expiresIn
	if exp == 0 {
		exp = 3600
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": exp,
		"refresh_token": rt, "id_token": idt})
}

// exchanges returns how many token requests the idp served.
func (d *idp) exchanges() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.exchange
}

// upstreamTokens returns every token the idp issued.
func (d *idp) upstreamTokens() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.issued...)
}

// serve serves h on a fresh 127.0.0.1 listener until the test ends.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// env is one proxy in front of an idp.
type env struct {
	t     *testing.T
	idp   *idp
	proxy *Proxy
	base  string // the proxy's URL
	cfg   Config
	log   *bytes.Buffer

	mu   sync.Mutex
	seen []string // every response the proxy sent: status, headers, body
}

// clientRedirect is where the test's MCP clients are sent back to; no
// one listens there (the browser stops at it).
const clientRedirect = "http://127.0.0.1:9/callback"

// newEnv starts an idp and a proxy configured by cfg (Issuer, Resource
// and Upstream are filled in); mcp, if not nil, is served at /mcp behind
// the proxy's verifier, as the README shows.
func newEnv(t *testing.T, cfg Config, mcp http.Handler) *env {
	t.Helper()
	e := &env{t: t, idp: newIDP(t), log: &bytes.Buffer{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	if cfg.Issuer == "" {
		cfg.Issuer = e.base
	}
	if cfg.Resource == "" {
		cfg.Resource = e.base + "/mcp"
	}
	if cfg.AllowedRedirectURIs == nil && !cfg.AllowLoopbackRedirects {
		cfg.AllowedRedirectURIs = []string{clientRedirect}
	}
	cfg.Upstream.AuthorizationURL = e.idp.url + "/authorize"
	cfg.Upstream.TokenURL = e.idp.url + "/token"
	cfg.Upstream.ClientID, cfg.Upstream.ClientSecret = e.idp.clientID, e.idp.secret
	if cfg.Store == nil && cfg.bounds == (storeBounds{}) {
		cfg.Store = state.NewMemory(0)
	}
	if cfg.Key == nil {
		cfg.Key = bytes.Repeat([]byte("k"), 32)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(syncWriter{&e.mu, e.log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.proxy, e.cfg = p, cfg
	e.idp.redirect = p.upstream.RedirectURL
	var h http.Handler = p.Handler()
	if mcp != nil {
		mux := http.NewServeMux()
		mux.Handle("/", p.Handler())
		mux.Handle("/mcp", mcp)
		h = auth.Require(p.Verifier(), &auth.Options{Resource: cfg.Resource,
			AuthorizationServers: []string{p.AuthorizationServer()}, ScopesSupported: cfg.Scopes})(mux)
	}
	srv := &http.Server{Handler: e.record(h), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return e
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// record keeps a copy of every response the proxy's server sends.
func (e *env) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recorder{ResponseWriter: w}
		h.ServeHTTP(rw, r)
		var s strings.Builder
		fmt.Fprintf(&s, "%d %s\n", rw.status, r.URL.Path)
		w.Header().Write(&s)
		s.Write(rw.body.Bytes())
		e.mu.Lock()
		e.seen = append(e.seen, s.String())
		e.mu.Unlock()
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// responses returns what the proxy's server sent so far.
func (e *env) responses() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

func (e *env) logs() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.String()
}

// httpc makes the MCP client's (non-browser) requests.
var httpc = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// register registers a client dynamically, returning the status and the
// decoded answer.
func (e *env) register(md map[string]any) (int, map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(md)
	resp, err := httpc.Post(e.base+"/register", "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// publicClient registers a public client with the refresh token grant.
func (e *env) publicClient(redirects ...string) string {
	e.t.Helper()
	if len(redirects) == 0 {
		redirects = []string{clientRedirect}
	}
	st, out := e.register(map[string]any{"redirect_uris": redirects, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "client_name": "Test <b>client</b>"})
	if st != http.StatusCreated {
		e.t.Fatalf("register: %d %v", st, out)
	}
	return out["client_id"].(string)
}

// pkce is a client's PKCE pair.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := randomString(32)
	s := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(s[:])}
}

// authorizeURL is a client's authorization request.
func (e *env) authorizeURL(clientID, redirect string, pk pkce, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"code_challenge": {pk.challenge}, "code_challenge_method": {"S256"}, "state": {"client-state-1"},
		"resource": {e.cfg.Resource}}
	for k, v := range extra {
		if v == nil {
			delete(q, k)
		} else {
			q[k] = v
		}
	}
	return e.base + "/authorize?" + q.Encode()
}

// browser is a user's browser: a cookie jar, redirects followed by hand.
type browser struct {
	t   *testing.T
	c   *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, jar: jar, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// step is one response the browser got.
type step struct {
	url    string
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, u string, form url.Values) step {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return step{url: u, status: resp.StatusCode, header: resp.Header, body: string(rb)}
}

// location resolves a redirect's Location against the request URL.
func (s step) location() string {
	base, _ := url.Parse(s.url)
	l, err := base.Parse(s.header.Get("Location"))
	if err != nil {
		return ""
	}
	return l.String()
}

// follow GETs u and follows redirects until one leads to stop (returned,
// not requested) or a response that is not a redirect (returned as the
// last step, with "" for the URL).
func (b *browser) follow(u, stop string) (string, step) {
	b.t.Helper()
	for range 10 {
		s := b.do(http.MethodGet, u, nil)
		if s.status/100 != 3 {
			return "", s
		}
		u = s.location()
		if strings.HasPrefix(u, stop) {
			return u, s
		}
	}
	b.t.Fatal("too many redirects")
	return "", step{}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// consentForm extracts the consent form's hidden fields.
func consentForm(t *testing.T, page string) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		f.Set(m[1], htmlUnescape(m[2]))
	}
	if f.Get("txn") == "" || f.Get("csrf") == "" {
		t.Fatalf("no consent form in:\n%s", page)
	}
	return f
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// consent runs the browser from an authorization URL to the consent page
// and approves: it returns the redirect to the upstream provider.
func (b *browser) consent(authURL string) (upstream string, page step) {
	b.t.Helper()
	_, page = b.follow(authURL, "\x00")
	if page.status != http.StatusOK || !strings.Contains(page.body, "<form") {
		b.t.Fatalf("no consent page: %d %s", page.status, page.body)
	}
	f := consentForm(b.t, page.body)
	f.Set("decision", "approve")
	s := b.do(http.MethodPost, strings.SplitN(page.url, "?", 2)[0], f)
	if s.status != http.StatusFound {
		b.t.Fatalf("consent: %d %s", s.status, s.body)
	}
	return s.location(), page
}

// authorize runs a whole authorization in the browser and returns the
// query of the redirect back to the client.
func (b *browser) authorize(authURL string) url.Values {
	b.t.Helper()
	up, _ := b.consent(authURL)
	back, last := b.follow(up, clientRedirect)
	if back == "" {
		b.t.Fatalf("not sent back to the client: %d %s", last.status, last.body)
	}
	u, _ := url.Parse(back)
	return u.Query()
}

// tokenRequest posts a token request and decodes the answer.
func (e *env) tokenRequest(form url.Values, basic ...string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := httpc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// exchange redeems a code for a public client.
func (e *env) exchange(clientID, code string, pk pkce) (int, map[string]any) {
	st, out, _ := e.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {clientRedirect}, "client_id": {clientID}, "code_verifier": {pk.verifier}, "resource": {e.cfg.Resource}})
	return st, out
}

// login runs the whole flow for a new public client and returns its
// client id and token response.
func (e *env) login(b *browser) (string, map[string]any) {
	e.t.Helper()
	id := e.publicClient()
	pk := newPKCE()
	q := b.authorize(e.authorizeURL(id, clientRedirect, pk, nil))
	if q.Get("code") == "" {
		e.t.Fatalf("no code: %v", q)
	}
	st, tok := e.exchange(id, q.Get("code"), pk)
	if st != http.StatusOK {
		e.t.Fatalf("token: %d %v", st, tok)
	}
	return id, tok
}
