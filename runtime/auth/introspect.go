package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// IntrospectionOptions configure an RFC 7662 token introspection
// verifier.
type IntrospectionOptions struct {
	// Endpoint is the authorization server's introspection endpoint: https,
	// or http to a loopback address.
	Endpoint string
	// ClientID and ClientSecret authenticate this server to the endpoint.
	ClientID, ClientSecret string
	// AuthMethod is "client_secret_basic" (the default: HTTP Basic) or
	// "client_secret_post" (the credentials in the form).
	AuthMethod string
	// Audience lists the audiences this server accepts (its resource
	// URL): the response's "aud" must contain one of them, so that a token
	// the same authorization server issued for another resource server is
	// refused. Required, unless InsecureAcceptAnyAudience.
	Audience []string
	// InsecureAcceptAnyAudience accepts an active token whatever its
	// audience, or without one. It is only safe with an authorization
	// server that issues tokens for this resource server alone, or whose
	// introspection endpoint answers active only for tokens meant for the
	// client asking (ClientID): otherwise any token for any other service
	// of the same authorization server is accepted here.
	InsecureAcceptAnyAudience bool
	// Issuer, if set, must equal the response's "iss".
	Issuer string
	// CacheTTL bounds how long an active token's answer is reused; it is
	// never reused past the token's expiry. Zero means 5 minutes; negative
	// disables the cache.
	CacheTTL time.Duration
	// MaxCacheEntries bounds the cache; zero means 10000.
	MaxCacheEntries int
	// HTTPClient calls the endpoint; nil means a client with a 10 second
	// timeout. Redirects are not followed.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// IntrospectionVerifier verifies opaque (or any) access tokens by asking
// the authorization server (RFC 7662), caching each active token's answer
// by the token's hash until it expires.
type IntrospectionVerifier struct {
	opts IntrospectionOptions
	hc   *http.Client

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	p     *runtime.Principal
	until time.Time
}

// NewIntrospectionVerifier returns an introspection verifier, or an error
// naming what in opts is missing.
func NewIntrospectionVerifier(opts IntrospectionOptions) (*IntrospectionVerifier, error) {
	if opts.ClientID == "" {
		return nil, errors.New("auth.NewIntrospectionVerifier: ClientID is required")
	}
	if slices.Contains(opts.Audience, "") || len(opts.Audience) == 0 && !opts.InsecureAcceptAnyAudience {
		return nil, errors.New("auth.NewIntrospectionVerifier: Audience is required (this server's resource URL), so that tokens issued for other servers are refused; InsecureAcceptAnyAudience turns the check off")
	}
	u, err := url.Parse(opts.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("auth.NewIntrospectionVerifier: Endpoint %q is not an absolute URL", opts.Endpoint)
	}
	if err := checkJWKSURL(opts.Endpoint); err != nil {
		return nil, fmt.Errorf("auth.NewIntrospectionVerifier: Endpoint %q must be https (or http to a loopback address)", opts.Endpoint)
	}
	switch opts.AuthMethod {
	case "":
		opts.AuthMethod = "client_secret_basic"
	case "client_secret_basic", "client_secret_post":
	default:
		return nil, fmt.Errorf("auth.NewIntrospectionVerifier: AuthMethod %q (want client_secret_basic or client_secret_post)", opts.AuthMethod)
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = 5 * time.Minute
	}
	if opts.MaxCacheEntries <= 0 {
		opts.MaxCacheEntries = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &IntrospectionVerifier{opts: opts, hc: &cp, cache: map[[32]byte]cached{}}, nil
}

// Verify asks the endpoint about token (or reuses its cached answer).
func (v *IntrospectionVerifier) Verify(ctx context.Context, token string) (*runtime.Principal, error) {
	key := sha256.Sum256([]byte(token))
	now := v.opts.Now()
	v.mu.Lock()
	c, ok := v.cache[key]
	if ok && now.After(c.until) {
		delete(v.cache, key)
		ok = false
	}
	v.mu.Unlock()
	if ok {
		return c.p, nil
	}
	resp, err := v.introspect(ctx, token)
	if err != nil {
		return nil, err
	}
	p, err := v.check(token, resp, now)
	if err != nil {
		return nil, err
	}
	if v.opts.CacheTTL > 0 {
		until := now.Add(v.opts.CacheTTL)
		if !p.Expiry.IsZero() && p.Expiry.Before(until) {
			until = p.Expiry
		}
		v.store(key, cached{p, until}, now)
	}
	return p, nil
}

// store caches an answer, first dropping expired ones, and if the cache is
// still full, an arbitrary one.
func (v *IntrospectionVerifier) store(key [32]byte, c cached, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cache) >= v.opts.MaxCacheEntries {
		for k, e := range v.cache {
			if now.After(e.until) {
				delete(v.cache, k)
			}
		}
		for k := range v.cache {
			if len(v.cache) < v.opts.MaxCacheEntries {
				break
			}
			delete(v.cache, k)
		}
	}
	v.cache[key] = c
}

// introspect posts the token to the endpoint and decodes the answer.
func (v *IntrospectionVerifier) introspect(ctx context.Context, token string) (map[string]any, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	if v.opts.AuthMethod == "client_secret_post" {
		form.Set("client_id", v.opts.ClientID)
		form.Set("client_secret", v.opts.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.opts.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if v.opts.AuthMethod == "client_secret_basic" {
		// RFC 6749 §2.3.1: each form-encoded before joining.
		req.SetBasicAuth(url.QueryEscape(v.opts.ClientID), url.QueryEscape(v.opts.ClientSecret))
	}
	resp, err := v.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: token introspection: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("auth: token introspection: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: token introspection: HTTP %d", resp.StatusCode)
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("auth: token introspection: the answer is too large")
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil || out == nil {
		return nil, errors.New("auth: token introspection: the answer is not a JSON object")
	}
	return out, nil
}

// check turns an introspection answer into a principal, or a refusal.
func (v *IntrospectionVerifier) check(token string, r map[string]any, now time.Time) (*runtime.Principal, error) {
	if active, _ := r["active"].(bool); !active {
		return nil, invalid("the token is not active")
	}
	num := func(k string) (time.Time, bool) {
		f, ok := r[k].(float64)
		if !ok {
			return time.Time{}, false
		}
		return time.Unix(int64(f), 0), true
	}
	p := &runtime.Principal{Token: token, Claims: r, Scopes: scopesOf(r)}
	p.Subject, _ = r["sub"].(string)
	if p.Subject == "" {
		p.Subject, _ = r["username"].(string)
	}
	p.ClientID, _ = r["client_id"].(string)
	p.Issuer, _ = r["iss"].(string)
	switch a := r["aud"].(type) {
	case string:
		p.Audience = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				p.Audience = append(p.Audience, s)
			}
		}
	}
	if exp, ok := num("exp"); ok {
		p.Expiry = exp
		if now.After(exp.Add(DefaultLeeway)) {
			return nil, invalid("the token has expired")
		}
	}
	if nbf, ok := num("nbf"); ok && nbf.After(now.Add(DefaultLeeway)) {
		return nil, invalid("the token is not valid yet")
	}
	if v.opts.Issuer != "" && p.Issuer != v.opts.Issuer {
		return nil, invalid("the token's issuer is not trusted")
	}
	if !v.opts.InsecureAcceptAnyAudience && !slices.ContainsFunc(p.Audience, func(a string) bool { return slices.Contains(v.opts.Audience, a) }) {
		return nil, invalid("the token was issued for another audience")
	}
	return p, nil
}
