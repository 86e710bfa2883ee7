package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mcpgen/mcpgen/runtime"
)

// JWTOptions configure a JWT verifier. Exactly one of JWKSURL and Key is
// set; Audience is required.
type JWTOptions struct {
	// JWKSURL is the authorization server's JSON Web Key Set (its
	// jwks_uri). It must be https, or http to a loopback address. Keys are
	// cached for JWKSCacheTTL; a token signed with a key the set does not
	// have (a rotated one) makes the verifier fetch the set again, at most
	// once per JWKSMinRefresh, and is refused if the key is still missing.
	JWKSURL string
	// Key is a static verification key instead of a key set: an
	// *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey, or a []byte
	// secret for the HS algorithms (and only for them).
	Key any
	// Algorithms are the signing algorithms accepted (RS256, RS384, RS512,
	// PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384,
	// HS512). Nil means RS256 and ES256 with a key set or a public key, and
	// HS256 with a secret. "none" is never accepted, and the HS algorithms
	// never with a public key or a key set: a token cannot choose to be
	// checked with the public key as an HMAC secret.
	Algorithms []string
	// Issuer, if set, must equal the token's "iss".
	Issuer string
	// Audience lists the audiences this server accepts (its resource URL,
	// as clients name it in RFC 8707's resource parameter): the token's
	// "aud" must contain at least one of them. Required: a token issued
	// for another server must not be accepted here.
	Audience []string
	// Leeway is the clock skew tolerated on "exp", "nbf" and "iat". Zero
	// means DefaultLeeway.
	Leeway time.Duration
	// HTTPClient fetches the key set; nil means a client with a 10 second
	// timeout.
	HTTPClient *http.Client
	// JWKSCacheTTL is how long a fetched key set is used before it is
	// fetched again; zero means 10 minutes.
	JWKSCacheTTL time.Duration
	// JWKSMinRefresh is the least time between two fetches of the key set
	// (an unknown key id does not make every request fetch it); zero means
	// 30 seconds.
	JWKSMinRefresh time.Duration
	// JWKSMaxStale bounds how long the last key set fetched is still used
	// while fetching it again fails (the authorization server is down),
	// counted from that fetch; past it the verifier fails as with no key
	// set (Require answers 503), so that a key the authorization server
	// has revoked meanwhile is not trusted forever. Zero means 6 hours.
	JWKSMaxStale time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultLeeway is the clock skew a JWT verifier tolerates by default.
const DefaultLeeway = 30 * time.Second

// maxJWKSBytes bounds a key set document.
const maxJWKSBytes = 1 << 20

var (
	asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	symmetric  = []string{"HS256", "HS384", "HS512"}
)

// JWTVerifier verifies JWT access tokens: signature, algorithm, issuer,
// audience and lifetime. It is safe for concurrent use.
type JWTVerifier struct {
	opts   JWTOptions
	parser *jwt.Parser
	jwks   *keySet // nil with a static key
}

// NewJWTVerifier returns a verifier of JWT access tokens, or an error
// naming what in opts is missing or unsafe.
func NewJWTVerifier(opts JWTOptions) (*JWTVerifier, error) {
	if (opts.JWKSURL == "") == (opts.Key == nil) {
		return nil, errors.New("auth.NewJWTVerifier: set exactly one of JWKSURL and Key")
	}
	if len(opts.Audience) == 0 || slices.Contains(opts.Audience, "") {
		return nil, errors.New("auth.NewJWTVerifier: Audience is required (this server's resource URL), so that tokens issued for other servers are refused")
	}
	_, secret := opts.Key.([]byte)
	switch k := opts.Key.(type) {
	case nil, *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	case []byte:
		if len(k) < 32 {
			return nil, errors.New("auth.NewJWTVerifier: an HMAC secret must be at least 32 bytes")
		}
	default:
		return nil, fmt.Errorf("auth.NewJWTVerifier: Key is a %T; want *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or a []byte secret", opts.Key)
	}
	if opts.Algorithms == nil {
		opts.Algorithms = []string{"RS256", "ES256"}
		if secret {
			opts.Algorithms = []string{"HS256"}
		}
	}
	for _, alg := range opts.Algorithms {
		switch {
		case strings.EqualFold(alg, "none"):
			return nil, errors.New(`auth.NewJWTVerifier: the algorithm "none" is never accepted`)
		case slices.Contains(symmetric, alg) && !secret:
			return nil, fmt.Errorf("auth.NewJWTVerifier: %s needs a []byte secret as Key; with a public key or a key set it would let a token signed with the public key pass", alg)
		case slices.Contains(asymmetric, alg) && secret:
			return nil, fmt.Errorf("auth.NewJWTVerifier: %s needs a public key, not a secret", alg)
		case !slices.Contains(symmetric, alg) && !slices.Contains(asymmetric, alg):
			return nil, fmt.Errorf("auth.NewJWTVerifier: unknown algorithm %q", alg)
		}
	}
	if opts.Leeway <= 0 {
		opts.Leeway = DefaultLeeway
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &JWTVerifier{opts: opts}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(opts.Algorithms), jwt.WithLeeway(opts.Leeway), jwt.WithTimeFunc(opts.Now),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithAudience(opts.Audience...),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	v.parser = jwt.NewParser(popts...)
	if opts.JWKSURL != "" {
		if err := checkJWKSURL(opts.JWKSURL); err != nil {
			return nil, err
		}
		v.jwks = newKeySet(opts)
	}
	return v, nil
}

// checkJWKSURL accepts https URLs, and http ones to a loopback address.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("auth.NewJWTVerifier: JWKSURL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("auth.NewJWTVerifier: JWKSURL %q must be https (or http to a loopback address)", raw)
}

// Verify checks token and returns its principal. A refused token is a
// *TokenError saying why; a key set that cannot be fetched is another
// error.
func (v *JWTVerifier) Verify(ctx context.Context, token string) (*runtime.Principal, error) {
	var fetchErr error
	tok, err := v.parser.Parse(token, func(t *jwt.Token) (any, error) {
		if v.jwks == nil {
			return v.opts.Key, nil
		}
		kid, _ := t.Header["kid"].(string)
		key, err := v.jwks.key(ctx, kid, t.Method.Alg())
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			fetchErr = err
		}
		return key, err
	})
	if fetchErr != nil {
		return nil, fetchErr
	}
	if err != nil {
		return nil, jwtError(err)
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	return principalOf(token, claims), nil
}

// jwtError says why golang-jwt refused a token.
func jwtError(err error) error {
	var te *TokenError
	switch {
	case errors.As(err, &te):
		return te
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalid("the token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid("the token is not valid yet")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("the token was issued in the future")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalid("the token's issuer is not trusted")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid("the token was issued for another audience")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid("the token lacks a required claim (exp or aud)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if strings.Contains(err.Error(), "signing method") {
			return invalid("the token's signing algorithm is not accepted")
		}
		return invalid("the token's signature does not verify")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid("the token's signing key is not accepted")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("the token is not a well-formed JWT")
	}
	return invalid("the token is not valid")
}

// principalOf makes the principal of a verified token's claims.
func principalOf(token string, c jwt.MapClaims) *runtime.Principal {
	p := &runtime.Principal{Token: token, Claims: map[string]any(c)}
	p.Subject, _ = c["sub"].(string)
	p.Issuer, _ = c["iss"].(string)
	for _, k := range []string{"client_id", "azp", "cid"} {
		if s, ok := c[k].(string); ok && s != "" {
			p.ClientID = s
			break
		}
	}
	p.Audience, _ = c.GetAudience()
	if exp, err := c.GetExpirationTime(); err == nil && exp != nil {
		p.Expiry = exp.Time
	}
	p.Scopes = scopesOf(c)
	return p
}

// scopesOf reads the scopes of a token: "scope" (RFC 8693/9068, a
// space-separated string), else "scp" (a string or an array).
func scopesOf(c map[string]any) []string {
	if s, ok := c["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch s := c["scp"].(type) {
	case string:
		return strings.Fields(s)
	case []any:
		var out []string
		for _, v := range s {
			if str, ok := v.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

// keySet is a cached JSON Web Key Set.
type keySet struct {
	opts JWTOptions
	hc   *http.Client

	mu      sync.Mutex
	keys    map[string]jwk // by kid
	fetched time.Time      // when keys were fetched; zero before
	tried   time.Time      // the last fetch attempt
	missed  time.Time      // the last fetch for a key the set lacked
	fetch   chan struct{}  // closed when the fetch in progress ends; nil when none
	lastErr error
}

type jwk struct {
	key crypto.PublicKey
	alg string // "" when the set does not say
}

func newKeySet(opts JWTOptions) *keySet {
	if opts.JWKSCacheTTL <= 0 {
		opts.JWKSCacheTTL = 10 * time.Minute
	}
	if opts.JWKSMinRefresh <= 0 {
		opts.JWKSMinRefresh = 30 * time.Second
	}
	if opts.JWKSMaxStale <= 0 {
		opts.JWKSMaxStale = 6 * time.Hour
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	// A key set is fetched from where it is configured, not from wherever
	// it redirects.
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &keySet{opts: opts, hc: &cp}
}

// key returns the key kid names for alg: from the cached set, else from
// the set fetched again (at most once per JWKSMinRefresh), else a refusal.
func (ks *keySet) key(ctx context.Context, kid, alg string) (any, error) {
	now := ks.opts.Now()
	ks.mu.Lock()
	stale := ks.fetched.IsZero() || now.Sub(ks.fetched) > ks.opts.JWKSCacheTTL
	k, found := ks.lookup(kid)
	// A stale set is fetched again at most once per JWKSMinRefresh, and so
	// is a set that lacks the token's key.
	mayFetch := ks.tried.IsZero() || now.Sub(ks.tried) >= ks.opts.JWKSMinRefresh
	if !stale && !found {
		mayFetch = ks.missed.IsZero() || now.Sub(ks.missed) >= ks.opts.JWKSMinRefresh
		if mayFetch {
			ks.missed = now
		}
	}
	inflight := ks.fetch != nil
	ks.mu.Unlock()
	if (stale || !found) && mayFetch || !found && inflight {
		ks.refresh(ctx) // joins a fetch in progress; on failure, the last good set stays
		ks.mu.Lock()
		k, found = ks.lookup(kid)
		ks.mu.Unlock()
	}
	ks.mu.Lock()
	// Nothing to verify with, or only a set too old to trust while
	// fetching it fails: the verifier's failure.
	none, age := ks.keys == nil, now.Sub(ks.fetched)
	lastErr := ks.lastErr
	ks.mu.Unlock()
	if none && lastErr != nil {
		return nil, lastErr
	}
	if age > ks.opts.JWKSMaxStale && lastErr != nil {
		return nil, fmt.Errorf("auth: the key set, last fetched %v ago, is past JWKSMaxStale: %w", age.Round(time.Second), lastErr)
	}
	if !found {
		if kid == "" {
			return nil, invalid("the token names no signing key (kid) and the key set has several")
		}
		return nil, invalid("the token's signing key is unknown")
	}
	if k.alg != "" && k.alg != alg {
		return nil, invalid("the token's algorithm is not the one of its key")
	}
	if !keyFits(k.key, alg) {
		return nil, invalid("the token's algorithm does not fit its key")
	}
	return k.key, nil
}

// lookup finds kid in the cached set; a token without kid uses the only
// key, if there is one. ks.mu is held.
func (ks *keySet) lookup(kid string) (jwk, bool) {
	if kid == "" && len(ks.keys) == 1 {
		for _, k := range ks.keys {
			return k, true
		}
	}
	k, ok := ks.keys[kid]
	return k, ok
}

// keyFits reports whether key is of the family alg signs with.
func keyFits(key crypto.PublicKey, alg string) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ES")
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// refresh fetches the key set, once for all the callers waiting on it.
func (ks *keySet) refresh(ctx context.Context) error {
	ks.mu.Lock()
	if ch := ks.fetch; ch != nil {
		ks.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		ks.mu.Lock()
		defer ks.mu.Unlock()
		return ks.lastErr
	}
	ch := make(chan struct{})
	ks.fetch = ch
	ks.tried = ks.opts.Now()
	ks.mu.Unlock()

	// Not the request's context: the callers waiting on this fetch outlive it.
	keys, err := fetchJWKS(context.WithoutCancel(ctx), ks.hc, ks.opts.JWKSURL)

	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.fetch, ks.lastErr = nil, err
	if err == nil {
		ks.keys, ks.fetched = keys, ks.opts.Now()
	}
	close(ch)
	return err
}
