package oauthproxy

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// grant is a user's authorization of a client, with the upstream tokens
// it was obtained with, sealed (AES-256-GCM, bound to the grant's id). It
// lives as long as its refresh tokens; deleting it revokes every token
// issued from it.
type grant struct {
	ClientID string         `json:"client_id"`
	Subject  string         `json:"sub"`
	Claims   map[string]any `json:"claims,omitempty"`
	Scopes   []string       `json:"scopes"`
	Resource string         `json:"resource,omitempty"`
	Sealed   []byte         `json:"sealed"`
}

// upstreamToken is what is sealed in a grant.
type upstreamToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	IDToken      string    `json:"id_token,omitempty"`
}

// codeRecord is an authorization code the proxy issued.
type codeRecord struct {
	ClientID    string   `json:"client_id"`
	RedirectURI string   `json:"redirect_uri"`
	Challenge   string   `json:"code_challenge"`
	Scopes      []string `json:"scopes"`
	Resource    string   `json:"resource,omitempty"`
	GrantID     string   `json:"grant"`
	Expires     int64    `json:"expires"`
}

// refreshRecord is a refresh token the proxy issued.
type refreshRecord struct {
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"`
	Resource string   `json:"resource,omitempty"`
	GrantID  string   `json:"grant"`
}

// accessRecord links an access token's jti to its grant.
type accessRecord struct {
	GrantID string `json:"grant"`
}

func (c *codeRecord) grant() string    { return c.GrantID }
func (r *refreshRecord) grant() string { return r.GrantID }

func (p *Proxy) newGrant(id, clientID, resource string, who *Identity, scopes []string, tok *oauth2.Token) (*grant, error) {
	g := &grant{ClientID: clientID, Subject: who.Subject, Claims: who.Claims, Scopes: scopes, Resource: resource}
	if g.Subject == "" {
		g.Subject = "grant:" + digest(id)[:24]
	}
	if err := p.sealToken(id, g, tok); err != nil {
		return nil, err
	}
	return g, nil
}

func (p *Proxy) sealToken(id string, g *grant, tok *oauth2.Token) error {
	ut := upstreamToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	if s, ok := tok.Extra("id_token").(string); ok {
		ut.IDToken = s
	}
	plain, err := json.Marshal(ut)
	if err != nil {
		return err
	}
	g.Sealed = p.keys.seal(plain, []byte(p.cfg.KeyPrefix+kindGrant+":"+id))
	return nil
}

func (p *Proxy) openToken(id string, g *grant) (*oauth2.Token, error) {
	plain, err := p.keys.open(g.Sealed, []byte(p.cfg.KeyPrefix+kindGrant+":"+id))
	if err != nil {
		return nil, errors.New("oauthproxy: the stored upstream token does not open (another key?)")
	}
	var ut upstreamToken
	if err := json.Unmarshal(plain, &ut); err != nil {
		return nil, err
	}
	tok := &oauth2.Token{AccessToken: ut.AccessToken, TokenType: ut.TokenType, RefreshToken: ut.RefreshToken, Expiry: ut.Expiry}
	if ut.IDToken != "" {
		tok = tok.WithExtra(map[string]any{"id_token": ut.IDToken})
	}
	return tok, nil
}

// saveGrant stores a new grant.
func (p *Proxy) saveGrant(ctx context.Context, id string, g *grant) error {
	return p.store.put(ctx, kindGrant, id, g, p.cfg.RefreshTokenTTL)
}

// errGrantRevoked is updateGrant's refusal to save a revoked grant.
var errGrantRevoked = errors.New("oauthproxy: the grant was revoked")

// updateGrant saves a grant loaded earlier, unless it has been revoked
// since: a revoked grant is never brought back. The tombstone is checked
// before the write and again after it, and a revocation that came in
// between has the write undone (revoke leaves its tombstone before it
// deletes the grant, so one of the two deletes comes after the write).
func (p *Proxy) updateGrant(ctx context.Context, id string, g *grant) error {
	if revoked, err := p.revoked(ctx, id); err != nil || revoked {
		return cmp.Or(err, errGrantRevoked)
	}
	if err := p.saveGrant(ctx, id, g); err != nil {
		return err
	}
	if revoked, err := p.revoked(ctx, id); err != nil || revoked {
		p.store.del(ctx, kindGrant, id)
		return cmp.Or(err, errGrantRevoked)
	}
	return nil
}

// revoked reports whether grant id has a revocation tombstone.
func (p *Proxy) revoked(ctx context.Context, id string) (bool, error) {
	_, ok, err := p.store.of(kindRevoked).Get(ctx, p.store.key(kindRevoked, id))
	return ok, err
}

// loadGrant reads a grant; a revoked one is not found, even if a write
// racing its revocation has just stored it again.
func (p *Proxy) loadGrant(ctx context.Context, id string) (*grant, bool, error) {
	var g grant
	ok, err := p.store.get(ctx, kindGrant, id, &g)
	if err != nil || !ok {
		return nil, false, err
	}
	if revoked, err := p.revoked(ctx, id); err != nil || revoked {
		return nil, false, err
	}
	return &g, true, nil
}

// revoke deletes a grant, and with it every token issued from it. It
// first leaves a tombstone that outlives any copy of the grant, so that a
// request which loaded the grant before (refreshing its upstream token)
// cannot save it back (updateGrant), nor a token be verified with it
// (loadGrant).
func (p *Proxy) revoke(ctx context.Context, id, why string) {
	p.log.Warn("oauthproxy: grant revoked", "reason", why)
	if err := p.store.put(ctx, kindRevoked, id, struct{}{}, p.cfg.RefreshTokenTTL+time.Hour); err != nil {
		p.log.Error("oauthproxy: revoking a grant", "error", err)
	}
	if err := p.store.del(ctx, kindGrant, id); err != nil {
		p.log.Error("oauthproxy: revoking a grant", "error", err)
	}
}

// tokenError answers a token request error.
func tokenError(w http.ResponseWriter, code, desc string) {
	status := http.StatusBadRequest
	if code == "invalid_client" {
		status = http.StatusUnauthorized
	}
	writeError(w, status, code, desc)
}

// token serves the token endpoint.
func (p *Proxy) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		tokenError(w, "invalid_request", "the token request must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "the token request does not parse")
		return
	}
	f := r.PostForm
	for k, vs := range f {
		if len(vs) > 1 {
			tokenError(w, "invalid_request", k+" is repeated")
			return
		}
	}
	c, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	if res := f.Get("resource"); res != "" && !p.sameResource(res) {
		p.log.Info("oauthproxy: token refused", "client_id", c.ID, "error", "invalid_target")
		tokenError(w, "invalid_target", "resource does not name this server")
		return
	}
	switch f.Get("grant_type") {
	case grantCode:
		p.redeemCode(ctx, w, c, f)
	case grantRT:
		if !c.refreshes() {
			tokenError(w, "unauthorized_client", "this client did not register the refresh_token grant")
			return
		}
		p.redeemRefresh(ctx, w, c, f)
	case "":
		tokenError(w, "invalid_request", "grant_type is required")
	default:
		tokenError(w, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

// authenticate identifies the client of a token request: by its secret
// (HTTP Basic or in the form) if it has one, by its client_id alone if it
// is public. An unknown client or a wrong secret is 401 invalid_client.
func (p *Proxy) authenticate(w http.ResponseWriter, r *http.Request) (*clientRecord, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id) // RFC 6749 §2.3.1 form-encodes them
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || (r.PostForm.Get("client_id") != "" && r.PostForm.Get("client_id") != id) {
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
			tokenError(w, "invalid_client", "bad client credentials")
			return nil, false
		}
		if r.PostForm.Has("client_secret") {
			tokenError(w, "invalid_request", "more than one client authentication method")
			return nil, false
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		tokenError(w, "invalid_client", "client authentication is required")
		return nil, false
	}
	c, err := p.client(r.Context(), id)
	if err != nil {
		p.refuseClient(w, "token", id, err)
		return nil, false
	}
	if c.confidential() && !c.checkSecret(secret) {
		p.log.Info("oauthproxy: token refused", "client_id", c.ID, "reason", "wrong or missing client secret")
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		}
		tokenError(w, "invalid_client", "bad client credentials")
		return nil, false
	}
	return c, true
}

func (p *Proxy) redeemCode(ctx context.Context, w http.ResponseWriter, c *clientRecord, f url.Values) {
	code := f.Get("code")
	if code == "" || len(code) > 256 {
		tokenError(w, "invalid_request", "code is required")
		return
	}
	var cr codeRecord
	ok, err := p.store.redeem(ctx, kindCode, kindCodeUsed, digest(code), &cr, p.cfg.CodeTTL)
	if err != nil {
		p.log.Error("oauthproxy: redeeming a code", "error", err)
		tokenError(w, "server_error", "")
		return
	}
	if !ok {
		// A code used twice: revoke what the first use obtained (RFC 6749
		// §4.1.2), since one of the two is not its client.
		var used accessRecord
		if found, _ := p.store.get(ctx, kindCodeUsed, digest(code), &used); found {
			p.revoke(ctx, used.GrantID, "an authorization code was presented twice")
		}
		tokenError(w, "invalid_grant", "the code is unknown, expired or already used")
		return
	}
	// From here on the code is spent: a refusal drops its grant.
	refuse := func(code, desc string) {
		p.store.del(ctx, kindGrant, cr.GrantID)
		tokenError(w, code, desc)
	}
	switch v := f.Get("code_verifier"); {
	case p.now().Unix() > cr.Expires:
		refuse("invalid_grant", "the code has expired")
		return
	case cr.ClientID != c.ID:
		p.log.Warn("oauthproxy: a code presented by another client", "client_id", c.ID)
		refuse("invalid_grant", "the code was issued to another client")
		return
	case f.Get("redirect_uri") != cr.RedirectURI:
		refuse("invalid_grant", "redirect_uri differs from the authorization request's")
		return
	case len(v) < 43 || len(v) > 128 || !equalMAC(s256(v), cr.Challenge):
		p.log.Info("oauthproxy: token refused", "client_id", c.ID, "reason", "PKCE verification failed")
		refuse("invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	g, ok, err := p.loadGrant(ctx, cr.GrantID)
	if err != nil || !ok {
		tokenError(w, "invalid_grant", "the authorization is no longer valid")
		return
	}
	p.issue(ctx, w, c, cr.GrantID, g, cr.Scopes)
}

func (p *Proxy) redeemRefresh(ctx context.Context, w http.ResponseWriter, c *clientRecord, f url.Values) {
	rt := f.Get("refresh_token")
	if rt == "" || len(rt) > 256 {
		tokenError(w, "invalid_request", "refresh_token is required")
		return
	}
	var rr refreshRecord
	ok, err := p.store.redeem(ctx, kindRefresh, kindRTUsed, digest(rt), &rr, p.cfg.RefreshTokenTTL)
	if err != nil {
		p.log.Error("oauthproxy: redeeming a refresh token", "error", err)
		tokenError(w, "server_error", "")
		return
	}
	if !ok {
		// A rotated refresh token presented again: it was stolen, or the
		// client lost the new one; revoke the grant either way (RFC 9700
		// §4.14.2).
		var used accessRecord
		if found, _ := p.store.get(ctx, kindRTUsed, digest(rt), &used); found {
			p.revoke(ctx, used.GrantID, "a rotated refresh token was presented again")
		}
		tokenError(w, "invalid_grant", "the refresh token is unknown, expired or already used")
		return
	}
	if rr.ClientID != c.ID {
		p.revoke(ctx, rr.GrantID, "a refresh token presented by another client")
		tokenError(w, "invalid_grant", "the refresh token was issued to another client")
		return
	}
	scopes, err := p.scopes(f.Get("scope"), rr.Scopes)
	if err != nil {
		tokenError(w, "invalid_scope", err.Error())
		return
	}
	if f.Get("scope") == "" {
		scopes = rr.Scopes
	}
	g, ok, err := p.loadGrant(ctx, rr.GrantID)
	if err != nil || !ok {
		tokenError(w, "invalid_grant", "the authorization is no longer valid")
		return
	}
	// Refresh upstream too when its token has expired: a user the
	// provider no longer authorizes loses access here.
	tok, err := p.openToken(rr.GrantID, g)
	if err != nil {
		p.log.Error("oauthproxy: opening an upstream token", "error", err)
		tokenError(w, "invalid_grant", "the authorization is no longer valid")
		return
	}
	if !tok.Expiry.IsZero() && !tok.Valid() {
		if tok.RefreshToken == "" {
			p.revoke(ctx, rr.GrantID, "the upstream token expired and cannot be refreshed")
			tokenError(w, "invalid_grant", "the identity provider's authorization has expired; sign in again")
			return
		}
		nt, err := p.refreshUpstream(ctx, tok)
		if err != nil {
			p.log.Info("oauthproxy: refreshing upstream", "error", upstreamError(err))
			var re *oauth2.RetrieveError
			if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
				p.revoke(ctx, rr.GrantID, "the identity provider refused the refresh")
				tokenError(w, "invalid_grant", "the identity provider no longer authorizes this grant; sign in again")
				return
			}
			tokenError(w, "temporarily_unavailable", "the identity provider could not be reached")
			return
		}
		if err := p.sealToken(rr.GrantID, g, nt); err != nil {
			tokenError(w, "server_error", "")
			return
		}
	}
	// Saved again (extending its life), unless revoked meanwhile: a
	// replay of this refresh token while the provider was asked.
	if err := p.updateGrant(ctx, rr.GrantID, g); errors.Is(err, errGrantRevoked) {
		tokenError(w, "invalid_grant", "the authorization is no longer valid")
		return
	} else if err != nil {
		p.log.Error("oauthproxy: storing a grant", "error", err)
		tokenError(w, "server_error", "")
		return
	}
	p.issue(ctx, w, c, rr.GrantID, g, scopes)
}

// refreshUpstream refreshes an upstream token.
func (p *Proxy) refreshUpstream(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
	hc := p.cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, hc), 30*time.Second)
	defer cancel()
	old := *tok
	old.Expiry = time.Unix(1, 0) // force
	nt, err := p.upstream.TokenSource(ctx, &old).Token()
	if err != nil {
		return nil, err
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = tok.RefreshToken
	}
	return nt, nil
}

// issue answers a token response: an access token signed by the proxy
// for this server, and a rotated refresh token if the client uses them.
func (p *Proxy) issue(ctx context.Context, w http.ResponseWriter, c *clientRecord, gid string, g *grant, scopes []string) {
	now := p.now()
	ttl := p.cfg.AccessTokenTTL
	jti := randomString(18)
	claims := &tokenClaims{Issuer: p.issuerID(), Subject: g.Subject, Audience: p.cfg.Resource, ClientID: c.ID,
		Scope: strings.Join(scopes, " "), IssuedAt: now.Unix(), Expiry: now.Add(ttl).Unix(), ID: jti}
	at, err := signToken(p.keys.token, claims)
	if err != nil {
		tokenError(w, "server_error", "")
		return
	}
	if err := p.store.put(ctx, kindAccess, jti, accessRecord{GrantID: gid}, ttl+time.Minute); err != nil {
		p.log.Error("oauthproxy: storing an access token", "error", err)
		tokenError(w, "server_error", "")
		return
	}
	if p.cfg.insecure.handOut {
		if tok, err := p.openToken(gid, g); err == nil {
			at = tok.AccessToken
		}
	}
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(ttl / time.Second)}
	if len(scopes) > 0 {
		resp["scope"] = strings.Join(scopes, " ")
	}
	if c.refreshes() {
		rt := randomString(32)
		rr := refreshRecord{ClientID: c.ID, Scopes: slices.Clone(g.Scopes), Resource: g.Resource, GrantID: gid}
		if err := p.store.put(ctx, kindRefresh, digest(rt), rr, p.cfg.RefreshTokenTTL); err != nil {
			p.log.Error("oauthproxy: storing a refresh token", "error", err)
			tokenError(w, "server_error", "")
			return
		}
		resp["refresh_token"] = rt
	}
	p.touchClient(ctx, c)
	p.log.Info("oauthproxy: token issued", "client_id", c.ID, "subject", g.Subject, "scopes", scopes)
	writeJSON(w, http.StatusOK, resp)
}

// decodeSegment decodes a base64url JWT segment (padding tolerated).
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
