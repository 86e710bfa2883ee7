// Package oauthproxy is an OAuth 2.1 authorization server for an MCP
// server, in front of an upstream identity provider that has no dynamic
// client registration (GitHub, Google, a corporate IdP): MCP clients
// register with the proxy (dynamically, by a client ID metadata document,
// or in configuration), the user signs in upstream, and the proxy issues
// its own short-lived tokens for the MCP server, keeping the upstream
// tokens to itself.
//
// It is built so that it cannot be turned against its users: every
// redirect URI is checked against an allow-list, at registration and at
// authorization; the user consents on a page bound to their browser by a
// signed cookie, so a link to someone else's authorization gets nowhere;
// PKCE S256 is required; tokens name this server as their audience and
// the proxy's Verifier accepts no other; upstream tokens are encrypted at
// rest and never leave the proxy; client metadata documents are fetched
// with SSRF protection.
package oauthproxy

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/state"
	"golang.org/x/oauth2"
)

// Bounds of the default in-memory stores.
const (
	maxClients        = 100_000 // registered clients
	maxPending        = 100_000 // authorizations not consented to yet
	maxAuthorizations = 100_000 // consented authorizations in progress
	maxRecords        = 200_000 // codes, grants, tokens
)

// Config configures a Proxy.
type Config struct {
	// Issuer is the proxy's issuer identifier: the https URL its
	// endpoints live under (RFC 8414), without a query or fragment. Its
	// metadata is at /.well-known/oauth-authorization-server followed by
	// Issuer's path. Required.
	Issuer string
	// Resource is the canonical URL of the MCP server the tokens are for
	// (https://mcp.example.com/mcp). It is every token's audience, and an
	// authorization or token request naming another resource (RFC 8707)
	// is refused with invalid_target. Required.
	Resource string
	// Upstream is the identity provider users sign in with. Required.
	Upstream Upstream

	// Scopes are the scopes clients may ask for (scopes_supported); a
	// request without a scope gets them all, a request for another is
	// refused with invalid_scope, and with none configured no scope may
	// be asked for. They are what the user delegates to the client, not
	// what the user may do: Identity.Scopes narrows them per user.
	Scopes []string
	// AllowedRedirectURIs are the redirect URIs a client may register,
	// dynamically or in its metadata document, compared as parsed URLs:
	// nothing but an equal URI matches (an entry on a loopback host
	// without a port matches any port). Empty admits none.
	AllowedRedirectURIs []string
	// AllowLoopbackRedirects also admits any http redirect URI on a
	// loopback host (127.0.0.1, [::1], localhost), on any port and path,
	// as native apps use (RFC 8252 §7.3).
	AllowLoopbackRedirects bool
	// Clients are registered beforehand.
	Clients []Client
	// NoRegistration turns dynamic client registration off.
	NoRegistration bool
	// NoClientMetadataDocuments turns client ID metadata documents off
	// (an https client_id with a path is then an unknown client).
	NoClientMetadataDocuments bool

	// Key is the secret the proxy derives its signing, cookie and
	// encryption keys from: at least 32 random bytes, the same on every
	// replica. Without it a random key is made, and tokens, codes and
	// stored upstream tokens do not survive a restart.
	Key []byte
	// Store holds registered clients, authorizations in progress, codes,
	// grants and refresh tokens; a store shared by replicas should
	// implement Taker. By default, four bounded in-memory stores, each of
	// which evicts the records closest to expiry first when full: at most
	// 100,000 registered clients, 100,000 authorizations not consented
	// to yet, 100,000 consented ones, and 200,000 codes, grants and
	// tokens. So a flood of /register evicts only registrations (whose
	// clients register again on 401), a flood of /authorize only
	// authorizations nobody has consented to yet, and one through the
	// consent page only authorizations in progress: never a code, a grant
	// or a token. Put a per-address rate limit in front of /register,
	// /authorize and /consent all the same, and with a Store of your
	// own, which holds all of them together.
	Store runtime.StateStore
	// KeyPrefix prefixes the proxy's keys in Store ("oauthproxy:").
	KeyPrefix string

	// AccessTokenTTL is the lifetime of access tokens (1 hour).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the lifetime of refresh tokens and of the
	// stored upstream grant (30 days).
	RefreshTokenTTL time.Duration
	// CodeTTL is the lifetime of authorization codes (1 minute).
	CodeTTL time.Duration
	// AuthorizationTTL is how long a user has to consent and sign in
	// upstream (10 minutes).
	AuthorizationTTL time.Duration
	// ClientTTL is how long a dynamically registered client is kept
	// after it last obtained a token (30 days).
	ClientTTL time.Duration

	// CallbackPath is the path, under Issuer, of the upstream
	// provider's redirect back to the proxy ("/auth/callback"); register
	// Issuer+CallbackPath as the redirect URI of Upstream.ClientID.
	CallbackPath string
	// HTTPClient makes the requests to the upstream provider
	// (http.DefaultClient if nil).
	HTTPClient *http.Client
	// Logger receives the proxy's decisions, refusals with their reason
	// (slog.Default() if nil). Tokens and secrets are never logged.
	Logger *slog.Logger

	// For tests only: see insecure.
	insecure insecure
	// For tests only: the SSRF guard of metadata document fetches and
	// the roots their TLS certificates must chain to.
	documentGuard *guard
	documentRoots *x509.CertPool
	// For tests only: the bounds of the default in-memory stores (zero:
	// the package's), with Store nil.
	bounds storeBounds
}

// storeBounds are the sizes of the default in-memory stores.
type storeBounds struct{ records, clients, pending, authorizations int }

// insecure holds test-only switches, each of which turns one protection
// off, to prove that the test of that protection fails without it.
// Nothing outside the package's tests can set them.
type insecure struct {
	allowRedirect  func(raw string) bool                // replaces the allow-list check
	registeredURI  func(uris []string, raw string) bool // replaces the registered redirect URI match
	handOut        bool                                 // the token endpoint hands the upstream access token out
	forward        bool                                 // the verifier's principal carries the upstream access token
	noBinding      bool                                 // the callback skips the consent binding cookie
	noAudience     bool                                 // the verifier skips the audience check
	noResource     bool                                 // authorize and token skip the resource check
	noDocumentID   bool                                 // a metadata document's client_id need not be its URL
	followRedirect bool                                 // metadata document fetches follow redirects
}

// Upstream is the identity provider behind the proxy, with a client
// registered there for the proxy.
type Upstream struct {
	// AuthorizationURL and TokenURL are the provider's endpoints: https,
	// or http on a loopback host (127.0.0.1, [::1], localhost) only.
	AuthorizationURL, TokenURL string
	// ClientID and ClientSecret are the proxy's client at the provider,
	// whose redirect URI is Config.Issuer + Config.CallbackPath.
	ClientID, ClientSecret string
	// AuthStyle is how the secret is sent (auto-detected if zero).
	AuthStyle oauth2.AuthStyle
	// Scopes are asked of the provider; empty, the proxy asks for the
	// scopes the client was granted.
	Scopes []string
	// AuthorizationParams are added to the authorization request
	// (audience, prompt, access_type=offline...).
	AuthorizationParams url.Values
	// Identify returns who signed in, from the provider's token (calling
	// its user API, or reading its ID token). By default the subject is
	// the "sub" claim of the ID token the token endpoint returned, if
	// any, and otherwise an opaque identifier of the grant.
	Identify func(ctx context.Context, tok *oauth2.Token) (*Identity, error)
}

// Identity is who signed in upstream.
type Identity struct {
	// Subject becomes the sub claim of the proxy's tokens.
	Subject string
	// Claims are made available to the MCP server on the principal; they
	// are stored with the grant and not put in the token.
	Claims map[string]any
	// Scopes, if not nil, are the scopes this user may be granted: the
	// scopes of the proxy's tokens are those the client asked for that
	// are among them.
	Scopes []string
}

// Proxy is an OAuth authorization server in front of an upstream
// provider. Serve its Handler; protect the MCP endpoint with its
// Verifier.
type Proxy struct {
	cfg       Config
	issuer    *url.URL
	resource  *url.URL
	keys      *keys
	store     *store
	redirects *redirectPolicy
	static    map[string]*clientRecord
	cimd      *documents
	upstream  *oauth2.Config
	log       *slog.Logger
	now       func() time.Time
	paths     paths
	secure    bool // the issuer is https: cookies are Secure and __Host-
}

// paths are the proxy's endpoint paths.
type paths struct {
	metadata, authorize, consent, callback, token, register string
}

// New checks cfg and returns a Proxy.
func New(cfg Config) (*Proxy, error) {
	issuer, err := url.Parse(cfg.Issuer)
	if err != nil || (issuer.Scheme != "https" && issuer.Scheme != "http") || issuer.Host == "" ||
		issuer.RawQuery != "" || issuer.Fragment != "" || issuer.User != nil {
		return nil, fmt.Errorf("oauthproxy: Issuer %q must be an https URL without query, fragment or user information", cfg.Issuer)
	}
	if issuer.Scheme == "http" && !loopbackHost(issuer.Hostname()) {
		return nil, fmt.Errorf("oauthproxy: Issuer %q: http is allowed on a loopback host only", cfg.Issuer)
	}
	resource, err := url.Parse(cfg.Resource)
	if err != nil || (resource.Scheme != "https" && resource.Scheme != "http") || resource.Host == "" || resource.Fragment != "" {
		return nil, fmt.Errorf("oauthproxy: Resource %q must be an absolute https URL without a fragment", cfg.Resource)
	}
	up := cfg.Upstream
	for _, u := range []struct{ name, v string }{{"AuthorizationURL", up.AuthorizationURL}, {"TokenURL", up.TokenURL}} {
		pu, err := url.Parse(u.v)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || pu.User != nil {
			return nil, fmt.Errorf("oauthproxy: Upstream.%s %q must be an absolute https URL", u.name, u.v)
		}
		// The proxy's secret, the upstream codes and tokens go to the
		// token endpoint, the user's sign-in to the authorization one.
		if pu.Scheme == "http" && !loopbackHost(pu.Hostname()) {
			return nil, fmt.Errorf("oauthproxy: Upstream.%s %q: http is allowed on a loopback host only", u.name, u.v)
		}
	}
	if up.ClientID == "" {
		return nil, errors.New("oauthproxy: Upstream.ClientID is required")
	}
	if cfg.Key == nil {
		cfg.Key = make([]byte, 32)
		rand.Read(cfg.Key)
	} else if len(cfg.Key) < 32 {
		return nil, errors.New("oauthproxy: Key must be at least 32 bytes")
	}
	k, err := deriveKeys(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("oauthproxy: %w", err)
	}
	cfg.Key = nil // keep only the derived keys
	redirects, err := newRedirectPolicy(cfg.AllowedRedirectURIs, cfg.AllowLoopbackRedirects)
	if err != nil {
		return nil, err
	}
	for _, s := range cfg.Scopes {
		if !validScope(s) {
			return nil, fmt.Errorf("oauthproxy: scope %q is not a valid scope token", s)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.AccessTokenTTL, time.Hour)
	def(&cfg.RefreshTokenTTL, 30*24*time.Hour)
	def(&cfg.CodeTTL, time.Minute)
	def(&cfg.AuthorizationTTL, 10*time.Minute)
	def(&cfg.ClientTTL, 30*24*time.Hour)
	if cfg.CallbackPath == "" {
		cfg.CallbackPath = "/auth/callback"
	}
	if !strings.HasPrefix(cfg.CallbackPath, "/") {
		return nil, fmt.Errorf("oauthproxy: CallbackPath %q must start with /", cfg.CallbackPath)
	}
	st := &store{s: cfg.Store, clients: cfg.Store, pending: cfg.Store, authz: cfg.Store}
	if cfg.Store == nil {
		// Bounded stores apart, so that what anyone can create in bulk
		// (registrations; authorizations, consented to or not) evicts
		// only its own kind, never a code, a grant or a token.
		b := cfg.bounds
		st.s, st.clients = state.NewMemory(cmp.Or(b.records, maxRecords)), state.NewMemory(cmp.Or(b.clients, maxClients))
		st.pending, st.authz = state.NewMemory(cmp.Or(b.pending, maxPending)), state.NewMemory(cmp.Or(b.authorizations, maxAuthorizations))
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "oauthproxy:"
	}
	st.prefix = cfg.KeyPrefix
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Proxy{
		cfg: cfg, issuer: issuer, resource: resource, keys: k,
		store:     st,
		redirects: redirects, static: map[string]*clientRecord{},
		log: cfg.Logger, now: time.Now, secure: issuer.Scheme == "https",
	}
	for _, c := range cfg.Clients {
		r, err := staticRecord(c)
		if err != nil {
			return nil, fmt.Errorf("oauthproxy: Clients: %v", err)
		}
		if _, dup := p.static[c.ID]; dup {
			return nil, fmt.Errorf("oauthproxy: Clients: client %q twice", c.ID)
		}
		p.static[c.ID] = r
	}
	if !cfg.NoClientMetadataDocuments {
		p.cimd = newDocuments(cfg.documentGuard, cfg.documentRoots, &p.cfg.insecure)
	}
	base := strings.TrimSuffix(issuer.EscapedPath(), "/")
	p.paths = paths{
		metadata:  "/.well-known/oauth-authorization-server" + base,
		authorize: base + "/authorize",
		consent:   base + "/consent",
		callback:  base + cfg.CallbackPath,
		token:     base + "/token",
		register:  base + "/register",
	}
	p.upstream = &oauth2.Config{
		ClientID:     up.ClientID,
		ClientSecret: up.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: up.AuthorizationURL, TokenURL: up.TokenURL, AuthStyle: up.AuthStyle},
		RedirectURL:  p.endpoint(p.paths.callback),
	}
	return p, nil
}

// endpoint is the absolute URL of one of the proxy's paths.
func (p *Proxy) endpoint(path string) string {
	return p.issuer.Scheme + "://" + p.issuer.Host + path
}

// issuerID is the issuer identifier, as configured.
func (p *Proxy) issuerID() string { return p.cfg.Issuer }

// Handler serves the proxy's endpoints at their full paths (the
// authorization server metadata under /.well-known/, and the endpoints
// under the issuer's path); mount it at the root of the server's mux,
// beside the MCP endpoint.
func (p *Proxy) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p.paths.metadata, p.cors(p.metadata))
	mux.HandleFunc("OPTIONS "+p.paths.metadata, p.cors(nil))
	mux.HandleFunc("GET "+p.paths.authorize, p.authorize)
	mux.HandleFunc("POST "+p.paths.authorize, p.authorize)
	mux.HandleFunc("GET "+p.paths.consent, p.consentPage)
	mux.HandleFunc("POST "+p.paths.consent, p.consentDecision)
	mux.HandleFunc("GET "+p.paths.callback, p.callback)
	mux.HandleFunc("POST "+p.paths.token, p.cors(p.token))
	mux.HandleFunc("OPTIONS "+p.paths.token, p.cors(nil))
	if !p.cfg.NoRegistration {
		mux.HandleFunc("POST "+p.paths.register, p.cors(p.register))
		mux.HandleFunc("OPTIONS "+p.paths.register, p.cors(nil))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.log.Error("oauthproxy: panic serving a request", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, http.StatusInternalServerError, "server_error", "internal error")
			}
		}()
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		mux.ServeHTTP(w, r)
	})
}

// Middleware serves the proxy's endpoints and passes every other request
// to next: for runtime.Options.HTTPMiddleware, before auth.Require (the
// first is the outermost), so that one listener serves the proxy, the
// protected-resource metadata and the protected MCP endpoint.
func (p *Proxy) Middleware() func(http.Handler) http.Handler {
	h := p.Handler()
	own := map[string]bool{p.paths.metadata: true, p.paths.authorize: true, p.paths.consent: true,
		p.paths.callback: true, p.paths.token: true}
	if !p.cfg.NoRegistration {
		own[p.paths.register] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if own[r.URL.Path] {
				h.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// cors lets browser-based clients read the metadata and call the token
// and registration endpoints (which take no cookies); next nil answers a
// preflight.
func (p *Proxy) cors(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
		if next == nil {
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next(w, r)
	}
}

// metadata serves the authorization server metadata (RFC 8414).
func (p *Proxy) metadata(w http.ResponseWriter, r *http.Request) {
	m := map[string]any{
		"issuer":                                         p.issuerID(),
		"authorization_endpoint":                         p.endpoint(p.paths.authorize),
		"token_endpoint":                                 p.endpoint(p.paths.token),
		"response_types_supported":                       []string{respCode},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{grantCode, grantRT},
		"token_endpoint_auth_methods_supported":          []string{authBasic, authPost, authNone},
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
		"client_id_metadata_document_supported":          p.cimd != nil,
	}
	if len(p.cfg.Scopes) > 0 {
		m["scopes_supported"] = p.cfg.Scopes
	}
	if !p.cfg.NoRegistration {
		m["registration_endpoint"] = p.endpoint(p.paths.register)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Del("Pragma")
	writeJSON(w, http.StatusOK, m)
}

// AuthorizationServer is the issuer identifier, for the authorization_servers
// of the MCP server's protected resource metadata (RFC 9728).
func (p *Proxy) AuthorizationServer() string { return p.issuerID() }

// validScope reports whether s is a scope token (RFC 6749 §3.3).
func validScope(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r == '"' || r == '\\' || r > 0x7e {
			return false
		}
	}
	return true
}

// scopes parses a requested scope: each must be one of Config.Scopes, and
// within limit (if not nil); an empty request gets all of them (within
// limit).
func (p *Proxy) scopes(requested string, limit []string) ([]string, error) {
	fields := strings.Fields(requested)
	if len(fields) == 0 {
		fields = p.cfg.Scopes
		if limit != nil {
			fields = slices.DeleteFunc(slices.Clone(fields), func(s string) bool { return !slices.Contains(limit, s) })
		}
		return fields, nil
	}
	if len(fields) > 64 {
		return nil, errors.New("too many scopes")
	}
	var out []string
	for _, s := range fields {
		if !validScope(s) {
			return nil, fmt.Errorf("scope %q is not a valid scope token", s)
		}
		if !slices.Contains(p.cfg.Scopes, s) {
			return nil, fmt.Errorf("scope %q is not one this server grants", s)
		}
		if limit != nil && !slices.Contains(limit, s) {
			return nil, fmt.Errorf("scope %q exceeds the grant", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// sameResource reports whether a requested resource (RFC 8707) names this
// server: the URLs must be equal but for the case of scheme and host, a
// default port and a trailing slash; when Config.Resource has no query,
// the request's query is ignored (ChatGPT adds one).
func (p *Proxy) sameResource(raw string) bool {
	if p.cfg.insecure.noResource {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	want := p.resource
	if !strings.EqualFold(u.Scheme, want.Scheme) || !strings.EqualFold(u.Hostname(), want.Hostname()) {
		return false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if defaultPort(u) != defaultPort(want) {
		return false
	}
	if strings.TrimSuffix(u.EscapedPath(), "/") != strings.TrimSuffix(want.EscapedPath(), "/") {
		return false
	}
	return want.RawQuery == "" || u.RawQuery == want.RawQuery
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeError answers an OAuth error (RFC 6749 §5.2).
func writeError(w http.ResponseWriter, status int, code, description string) {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	writeJSON(w, status, body)
}
