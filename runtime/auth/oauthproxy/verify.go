package oauthproxy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"golang.org/x/oauth2"
)

// verified is what checking one of the proxy's access tokens yields.
type verified struct {
	claims  *tokenClaims
	grantID string
	grant   *grant
}

// Reasons a token is refused, as the resource server reports them.
var (
	errExpired     = errors.New("the token has expired")
	errNotYet      = errors.New("the token is not valid yet")
	errAudience    = errors.New("the token is for another resource")
	errIssuer      = errors.New("the token is from another issuer")
	errRevoked     = errors.New("the token has been revoked")
	errNoGrant     = errors.New("the authorization behind the token is gone")
	errMalformed   = errors.New("the token is malformed")
	errStoreFailed = errors.New("the token could not be checked")
)

// leeway is the clock skew tolerated on iat.
const leeway = 30 * time.Second

// verify checks an access token: the proxy's signature, its issuer, its
// audience (this server's resource URL and nothing else: a token the
// proxy issued for another server sharing its key is refused), its
// lifetime, and that its grant has not been revoked.
func (p *Proxy) verify(ctx context.Context, token string) (*verified, error) {
	c, err := parseToken(p.keys.token, token)
	if err != nil {
		return nil, err
	}
	now := p.now()
	switch {
	case c.ID == "" || c.Expiry == 0:
		return nil, errMalformed
	case c.Issuer != p.issuerID():
		return nil, errIssuer
	case c.Audience != p.cfg.Resource && !p.cfg.insecure.noAudience:
		return nil, errAudience
	case now.Unix() >= c.Expiry:
		return nil, errExpired
	case time.Unix(c.IssuedAt, 0).After(now.Add(leeway)):
		return nil, errNotYet
	}
	var ar accessRecord
	ok, err := p.store.get(ctx, kindAccess, c.ID, &ar)
	if err != nil {
		p.log.Error("oauthproxy: checking a token", "error", err)
		return nil, errStoreFailed
	}
	if !ok {
		return nil, errRevoked
	}
	g, ok, err := p.loadGrant(ctx, ar.GrantID)
	if err != nil {
		p.log.Error("oauthproxy: checking a token", "error", err)
		return nil, errStoreFailed
	}
	if !ok {
		return nil, errNoGrant
	}
	return &verified{claims: c, grantID: ar.GrantID, grant: g}, nil
}

// Verifier returns the verifier of the proxy's own access tokens, to
// protect the MCP endpoint with auth.Require:
//
//	mux.Handle("/mcp", auth.Require(proxy.Verifier(), &auth.Options{
//		Resource:             cfg.Resource,
//		AuthorizationServers: []string{proxy.AuthorizationServer()},
//	})(srv.Handler()))
//
// It accepts a token only if the proxy signed it, for Config.Resource
// (a token the proxy issued for another server is refused, even one
// sharing its key and store), unexpired, and its grant is not revoked.
// The principal's Token is the proxy's token, never the upstream one; its
// Claims are the upstream identity's (Identity.Claims) overlaid with the
// token's own (iss, sub, aud, client_id, scope, iat, exp, jti).
func (p *Proxy) Verifier() auth.Verifier {
	return auth.VerifierFunc(func(ctx context.Context, token string) (*runtime.Principal, error) {
		v, err := p.verify(ctx, token)
		switch {
		case errors.Is(err, errStoreFailed):
			return nil, err
		case err != nil:
			return nil, &auth.TokenError{Reason: err.Error()}
		}
		c := v.claims
		claims := make(map[string]any, len(v.grant.Claims)+8)
		for k, val := range v.grant.Claims {
			claims[k] = val
		}
		claims["iss"], claims["sub"], claims["aud"], claims["client_id"] = c.Issuer, c.Subject, c.Audience, c.ClientID
		claims["iat"], claims["exp"], claims["jti"] = float64(c.IssuedAt), float64(c.Expiry), c.ID
		if c.Scope != "" {
			claims["scope"] = c.Scope
		}
		pr := &runtime.Principal{Subject: c.Subject, ClientID: c.ClientID, Issuer: c.Issuer, Scopes: strings.Fields(c.Scope),
			Audience: []string{c.Audience}, Expiry: time.Unix(c.Expiry, 0), Token: token, Claims: claims}
		if p.cfg.insecure.forward {
			if tok, err := p.openToken(v.grantID, v.grant); err == nil {
				pr.Token = tok.AccessToken
			}
		}
		return pr, nil
	})
}

// UpstreamToken returns the upstream provider's token behind one of the
// proxy's access tokens, refreshed if it has expired, for server code
// that calls the provider's API on the user's behalf. The proxy never
// sends it anywhere: what is done with it is the caller's choice.
func (p *Proxy) UpstreamToken(ctx context.Context, accessToken string) (*oauth2.Token, error) {
	v, err := p.verify(ctx, strings.TrimSpace(accessToken))
	if err != nil {
		return nil, err
	}
	tok, err := p.openToken(v.grantID, v.grant)
	if err != nil {
		return nil, err
	}
	if tok.Expiry.IsZero() || tok.Valid() || tok.RefreshToken == "" {
		return tok, nil
	}
	nt, err := p.refreshUpstream(ctx, tok)
	if err != nil {
		return nil, errors.New("oauthproxy: refreshing the upstream token: " + upstreamError(err))
	}
	if err := p.sealToken(v.grantID, v.grant, nt); err != nil {
		return nil, err
	}
	// Saved unless revoked meanwhile, and then not handed out either.
	if err := p.updateGrant(ctx, v.grantID, v.grant); errors.Is(err, errGrantRevoked) {
		return nil, errNoGrant
	} else if err != nil {
		p.log.Error("oauthproxy: storing a refreshed upstream token", "error", err)
	}
	return nt, nil
}
