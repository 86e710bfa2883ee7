// Package auth makes an mcpgen server an OAuth 2.0 protected resource: it
// verifies bearer tokens (JWTs against a key set, RFC 7662 introspection,
// or a static table for development) and turns them into the
// runtime.Principal that the runtime's authorization checks and handlers
// read. Require is the HTTP middleware; it answers 401 and 403 with the
// WWW-Authenticate challenges of RFC 6750 and serves the protected-resource
// metadata of RFC 9728 at its path-aware well-known URL.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// A Verifier checks a bearer token and says whose it is. A token that is
// not acceptable (bad signature, expired, another audience, revoked) is an
// error wrapping ErrInvalidToken, which the client sees as 401
// invalid_token; any other error (the key set or introspection endpoint
// unreachable) is the verifier's failure, answered 503.
type Verifier interface {
	Verify(ctx context.Context, token string) (*runtime.Principal, error)
}

// VerifierFunc is a function that is a Verifier.
type VerifierFunc func(ctx context.Context, token string) (*runtime.Principal, error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, token string) (*runtime.Principal, error) {
	return f(ctx, token)
}

// ErrInvalidToken is the error of a token that is refused.
var ErrInvalidToken = errors.New("invalid token")

// TokenError is a refused token with the reason the client is told (the
// error_description of the challenge). The reason must not repeat the
// token or anything secret.
type TokenError struct{ Reason string }

func (e *TokenError) Error() string        { return "invalid token: " + e.Reason }
func (e *TokenError) Is(target error) bool { return target == ErrInvalidToken }

// invalid returns a TokenError with the formatted reason.
func invalid(format string, args ...any) error {
	return &TokenError{Reason: fmt.Sprintf(format, args...)}
}

// Options configure Require.
type Options struct {
	// Resource is this server's resource identifier, the absolute URL of
	// its MCP endpoint ("https://mcp.example.com/mcp"). Require protects
	// the requests to its path and below, serves the protected-resource
	// metadata at the path-aware well-known URL made from it
	// (https://mcp.example.com/.well-known/oauth-protected-resource/mcp),
	// and passes requests to other paths through untouched. Required.
	Resource string
	// AuthorizationServers are the issuer URLs of the authorization
	// servers clients get tokens from, listed in the metadata.
	AuthorizationServers []string
	// Scopes are required of every request: a token without them gets 403
	// insufficient_scope, naming them, so that the client can ask for more
	// (step-up).
	Scopes []string
	// ScopesSupported are listed in the metadata; nil lists Scopes.
	ScopesSupported []string
	// ResourceName is the metadata's human-readable name.
	ResourceName string
	// Optional lets requests without an Authorization header through with
	// no principal: they see only the components without authorization
	// checks. A token that is sent must still verify.
	Optional bool
	// Logger receives verifier failures (not refused tokens). Nil
	// discards them.
	Logger *slog.Logger
}

// MaxTokenBytes bounds the bearer token Require accepts; a longer one is
// refused before any verifier sees it.
const MaxTokenBytes = 16 << 10

// MetadataURL returns the RFC 9728 protected-resource metadata URL of a
// resource identifier: the well-known path inserted between its host and
// its path.
func MetadataURL(resource string) (string, error) {
	u, err := url.Parse(resource)
	if err != nil {
		return "", fmt.Errorf("auth: resource %q: %v", resource, err)
	}
	if !u.IsAbs() || u.Host == "" || u.Fragment != "" {
		return "", fmt.Errorf("auth: resource %q must be an absolute URL without a fragment", resource)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + wellKnown + path, nil
}

const wellKnown = "/.well-known/oauth-protected-resource"

// Require returns HTTP middleware that admits only requests bearing a token
// v accepts (see Options for which paths it guards), with the token's
// principal attached (runtime.WithPrincipal, and go-sdk's token
// information, so that a stateful session stays bound to the principal
// that opened it). It refuses:
//
//   - a request without a bearer token: 401 with
//     `WWW-Authenticate: Bearer resource_metadata="..."` (no error code, as
//     RFC 6750 asks), unless Options.Optional;
//   - a malformed Authorization header: 400 invalid_request;
//   - a token v refuses: 401 `Bearer error="invalid_token",
//     error_description="...", resource_metadata="..."`;
//   - a token without Options.Scopes: 403 `Bearer
//     error="insufficient_scope", scope="...", resource_metadata="..."`.
//
// It panics if Options.Resource is not an absolute URL.
func Require(v Verifier, opts *Options) func(http.Handler) http.Handler {
	if opts == nil || v == nil {
		panic("auth.Require: needs a verifier and Options with a Resource")
	}
	metaURL, err := MetadataURL(opts.Resource)
	if err != nil {
		panic(err)
	}
	u, _ := url.Parse(opts.Resource)
	g := &guard{v: v, opts: *opts, metaURL: metaURL, log: opts.Logger}
	g.protected = strings.TrimSuffix(u.Path, "/")
	g.metaPath = wellKnown + g.protected
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	meta := &oauthex.ProtectedResourceMetadata{
		Resource:               opts.Resource,
		AuthorizationServers:   opts.AuthorizationServers,
		ScopesSupported:        opts.ScopesSupported,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           opts.ResourceName,
	}
	if meta.ScopesSupported == nil {
		meta.ScopesSupported = opts.Scopes
	}
	g.meta = sdkauth.ProtectedResourceMetadataHandler(meta)
	return func(next http.Handler) http.Handler {
		// go-sdk's own middleware, given the principal verified here, puts
		// go-sdk's token information in the context: the streamable
		// handler binds sessions to its UserID.
		bind := sdkauth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*sdkauth.TokenInfo, error) {
			return runtime.PrincipalFrom(ctx).TokenInfo(), nil
		}, &sdkauth.RequireBearerTokenOptions{AllowMissingExpiration: true, ClockSkew: DefaultLeeway})(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.serve(w, r, next, bind)
		})
	}
}

type guard struct {
	v         Verifier
	opts      Options
	metaURL   string
	metaPath  string
	protected string // the resource's path without a trailing slash; "" for all
	meta      http.Handler
	log       *slog.Logger
}

func (g *guard) guards(path string) bool {
	return g.protected == "" || path == g.protected || strings.HasPrefix(path, g.protected+"/")
}

func (g *guard) serve(w http.ResponseWriter, r *http.Request, next, bind http.Handler) {
	path := r.URL.Path
	if path == g.metaPath || path == wellKnown {
		g.meta.ServeHTTP(w, r)
		return
	}
	if !g.guards(path) {
		next.ServeHTTP(w, r)
		return
	}
	token, problem := bearer(r.Header)
	switch {
	case problem != "":
		g.challenge(w, http.StatusBadRequest, "invalid_request", problem)
		return
	case token == "" && g.opts.Optional:
		next.ServeHTTP(w, r)
		return
	case token == "":
		g.challenge(w, http.StatusUnauthorized, "", "")
		return
	case len(token) > MaxTokenBytes:
		g.challenge(w, http.StatusUnauthorized, "invalid_token", "the token is too long")
		return
	}
	p, err := g.verify(r.Context(), token)
	if err != nil {
		var te *TokenError
		switch {
		case errors.As(err, &te):
			g.challenge(w, http.StatusUnauthorized, "invalid_token", te.Reason)
		case errors.Is(err, ErrInvalidToken):
			g.challenge(w, http.StatusUnauthorized, "invalid_token", "the token was refused")
		default:
			g.log.Error("auth: the token verifier failed", "err", err)
			http.Error(w, "the token cannot be verified now", http.StatusServiceUnavailable)
		}
		return
	}
	if !p.Expiry.IsZero() && time.Now().After(p.Expiry.Add(DefaultLeeway)) {
		g.challenge(w, http.StatusUnauthorized, "invalid_token", "the token has expired")
		return
	}
	if !p.HasScopes(g.opts.Scopes...) {
		g.challenge(w, http.StatusForbidden, "insufficient_scope", "the token lacks a required scope")
		return
	}
	if p.Token == "" {
		p.Token = token
	}
	bind.ServeHTTP(w, r.WithContext(runtime.WithPrincipal(r.Context(), p)))
}

// verify calls the verifier, containing a panic.
func (g *guard) verify(ctx context.Context, token string) (p *runtime.Principal, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, fmt.Errorf("the verifier panicked: %v", v)
		}
	}()
	p, err = g.v.Verify(ctx, token)
	if err == nil && p == nil {
		err = errors.New("the verifier returned no principal")
	}
	return p, err
}

// bearer returns the bearer token of the Authorization header: "" without
// one (or with another scheme), or a problem with the header.
func bearer(h http.Header) (token, problem string) {
	values := h.Values("Authorization")
	if len(values) == 0 {
		return "", ""
	}
	if len(values) > 1 {
		return "", "more than one Authorization header"
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ""
	}
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.ContainsAny(rest, " \t") {
		return "", "the Authorization header is not Bearer <token>"
	}
	return rest, ""
}

// challenge writes a refusal with its WWW-Authenticate header.
func (g *guard) challenge(w http.ResponseWriter, status int, code, description string) {
	var params []string
	if code != "" {
		params = append(params, `error="`+code+`"`)
		if description != "" {
			params = append(params, `error_description="`+quotable(description)+`"`)
		}
	}
	if len(g.opts.Scopes) > 0 && (code == "" || code == "insufficient_scope") {
		params = append(params, `scope="`+quotable(strings.Join(g.opts.Scopes, " "))+`"`)
	}
	params = append(params, `resource_metadata="`+g.metaURL+`"`)
	w.Header().Set("WWW-Authenticate", "Bearer "+strings.Join(params, ", "))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body := map[string]string{}
	if code != "" {
		body["error"] = code
		if description != "" {
			body["error_description"] = quotable(description)
		}
	} else {
		body["error"] = "unauthorized"
		body["error_description"] = "a bearer token is required"
	}
	json.NewEncoder(w).Encode(body)
}

// quotable keeps the characters RFC 6750 allows in a quoted challenge
// parameter (printable ASCII but '"' and '\'), up to 200 of them.
func quotable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 200; i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Static is a verifier for development and tests: a fixed table of tokens
// and their principals. Tokens are compared by hash, in constant time.
func Static(tokens map[string]*runtime.Principal) Verifier {
	table := make(map[[32]byte]*runtime.Principal, len(tokens))
	for tok, p := range tokens {
		table[sha256.Sum256([]byte(tok))] = p
	}
	return VerifierFunc(func(_ context.Context, token string) (*runtime.Principal, error) {
		h := sha256.Sum256([]byte(token))
		var found *runtime.Principal
		for k, p := range table {
			if subtle.ConstantTimeCompare(k[:], h[:]) == 1 {
				found = p
			}
		}
		if found == nil {
			return nil, invalid("unknown token")
		}
		cp := *found
		cp.Token = token
		return &cp, nil
	})
}
