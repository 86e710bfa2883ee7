package oauthproxy

import (
	"context"
	"errors"
	"strings"
	"time"

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
	if err := p.sealToken(v.grantID, v.grant, nt); err == nil {
		p.saveGrant(ctx, v.grantID, v.grant)
	}
	return nt, nil
}
