package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
)

// The principal.
//
// A verified bearer token becomes a Principal: who the caller is (subject,
// client), what the token grants (scopes, audience, expiry) and every
// claim it carries. HTTP middleware (package auth's Require) verifies the
// token and attaches the principal to the HTTP request's context with
// WithPrincipal; the runtime then puts it on the Request of every message
// that HTTP request carries, on every path (stateful and stateless HTTP,
// the fast path). Authorization checks (AuthCheck) and handlers read it
// with PrincipalFrom. It is nil for unauthenticated requests, and on stdio
// unless Options.Principal names one.

// Principal is an authenticated caller: what a verified access token says.
type Principal struct {
	// Subject is the token's "sub": the user (or, for a client
	// credentials token, often the client).
	Subject string `json:"sub,omitempty"`
	// ClientID is the OAuth client the token was issued to ("client_id",
	// "azp" or "cid").
	ClientID string `json:"client_id,omitempty"`
	// Issuer is the token's "iss".
	Issuer string `json:"iss,omitempty"`
	// Scopes are the scopes the token grants.
	Scopes []string `json:"scopes,omitempty"`
	// Audience lists the token's audiences ("aud").
	Audience []string `json:"aud,omitempty"`
	// Expiry is when the token expires; zero if it does not say.
	Expiry time.Time `json:"exp,omitzero"`
	// Token is the raw token. It is never logged, encoded or shown:
	// Principal's String, LogValue and JSON encoding leave it out.
	Token string `json:"-"`
	// Claims holds every claim of the token (for an introspected token,
	// the introspection response's members), as decoded from JSON.
	Claims map[string]any `json:"claims,omitempty"`
}

// HasScopes reports whether the principal was granted every one of scopes.
// A nil principal has none.
func (p *Principal) HasScopes(scopes ...string) bool {
	if p == nil {
		return false
	}
	for _, s := range scopes {
		if !slices.Contains(p.Scopes, s) {
			return false
		}
	}
	return true
}

// Key identifies the principal for state kept across requests: a hash of
// its issuer, subject and client id, the same for every token of the same
// caller. It is "" for a nil principal or one with neither subject nor
// client id. Sessionless requests without Options.SessionKey use it as
// their session (Request.SessionID); stateful HTTP sessions are bound to
// it, and runtime/tasks makes it the owner of a task.
//
// The client id is part of it on purpose: one user's state, sessions and
// tasks through one client are not another client's, so that a client
// the user also authorized (possibly one anyone could register) cannot
// read or answer what another did on their behalf. The flip side: where
// clients register themselves, a user gets a fresh key per client they
// register, so a budget meant per user (a rate limit) must not be keyed
// by Key; limit.ByPrincipalSubject keys by issuer and subject alone.
func (p *Principal) Key() string {
	if p == nil || (p.Subject == "" && p.ClientID == "") {
		return ""
	}
	h := sha256.New()
	for _, s := range []string{p.Issuer, p.Subject, p.ClientID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "principal-" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// String names the principal for logs, without its token.
func (p *Principal) String() string {
	if p == nil {
		return "<no principal>"
	}
	return fmt.Sprintf("principal(sub=%q client=%q scopes=%q)", p.Subject, p.ClientID, p.Scopes)
}

// LogValue logs the principal without its token or claims.
func (p *Principal) LogValue() slog.Value {
	if p == nil {
		return slog.StringValue("<none>")
	}
	return slog.GroupValue(slog.String("sub", p.Subject), slog.String("client_id", p.ClientID),
		slog.Any("scopes", p.Scopes))
}

// Claim returns the claim name, or an error that lists the claims the
// principal has.
func (p *Principal) Claim(name string) (any, error) {
	if p == nil {
		return nil, fmt.Errorf("claim %q: the request is not authenticated (no principal)", name)
	}
	v, ok := p.Claims[name]
	if !ok {
		names := slices.Sorted(maps.Keys(p.Claims))
		if len(names) == 0 {
			return nil, fmt.Errorf("claim %q: the token has no claims", name)
		}
		return nil, fmt.Errorf("claim %q: the token has no such claim (it has: %s)", name, strings.Join(names, ", "))
	}
	return v, nil
}

// ClaimAs returns the claim name of p as a T: the value itself if it is a
// T, or else the claim's JSON decoded into a T (so a JSON number claim is
// read as an int, an array as a []string). A missing claim is an error that
// lists the claims p has; one that is not a T says what it is.
func ClaimAs[T any](p *Principal, name string) (T, error) {
	var zero T
	v, err := p.Claim(name)
	if err != nil {
		return zero, err
	}
	if t, ok := v.(T); ok {
		return t, nil
	}
	js, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("claim %q: %v", name, err)
	}
	var out T
	if err := json.Unmarshal(js, &out); err != nil {
		return zero, fmt.Errorf("claim %q is %s, not a %T", name, claimKind(v), zero)
	}
	return out, nil
}

func claimKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, json.Number, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p. Authentication middleware calls it
// on the HTTP request's context before the runtime's handler (see package
// auth); inside the runtime, PrincipalFrom reads the request's principal.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of the request being handled, or of
// the context WithPrincipal made; nil when unauthenticated.
func PrincipalFrom(ctx context.Context) *Principal {
	if r := RequestFrom(ctx); r != nil {
		return r.Principal
	}
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// principalExtraKey is where a principal travels in go-sdk's TokenInfo
// (package auth puts it there, so that it reaches stateful sessions, whose
// messages go-sdk handles outside the HTTP request's context).
const principalExtraKey = "mcpgen/principal"

// TokenInfo returns go-sdk's token information for p, carrying p itself:
// the UserID go-sdk binds a stateful HTTP session to is p.Key(), so that
// another principal cannot use the session. Package auth uses it.
func (p *Principal) TokenInfo() *sdkauth.TokenInfo {
	if p == nil {
		return nil
	}
	return &sdkauth.TokenInfo{
		Scopes: p.Scopes, Expiration: p.Expiry, UserID: p.Key(),
		Extra: map[string]any{principalExtraKey: p},
	}
}

// principalOfTokenInfo returns the principal go-sdk's token information
// carries: the one package auth put there, or else one made of what
// another verifier (go-sdk's auth.RequireBearerToken) gave.
func principalOfTokenInfo(ti *sdkauth.TokenInfo) *Principal {
	if ti == nil {
		return nil
	}
	if p, ok := ti.Extra[principalExtraKey].(*Principal); ok {
		return p
	}
	p := &Principal{Subject: ti.UserID, Scopes: ti.Scopes, Expiry: ti.Expiration, Claims: ti.Extra}
	if s, ok := ti.Extra["client_id"].(string); ok {
		p.ClientID = s
	}
	return p
}

// ErrForbidden is the error of a refused authorization. An AuthCheck that
// returns an error wrapping it (Forbidden makes one) has its message sent
// to the client; any other error from a check is logged and the component
// is hidden.
var ErrForbidden = errors.New("forbidden")

// ForbiddenError is a refusal whose message the client sees.
type ForbiddenError struct{ Message string }

func (e *ForbiddenError) Error() string        { return e.Message }
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// Forbidden returns a refusal with the formatted message, which the client
// sees (see ErrForbidden).
func Forbidden(format string, args ...any) error {
	return &ForbiddenError{Message: fmt.Sprintf(format, args...)}
}
