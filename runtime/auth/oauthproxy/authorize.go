package oauthproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// txn is an authorization in progress, from /authorize to the upstream
// callback, stored under the digest of its id. Its id is the state of the
// upstream authorization request.
type txn struct {
	ClientID    string   `json:"client_id"`
	RedirectURI string   `json:"redirect_uri"`
	State       string   `json:"state,omitempty"`
	Challenge   string   `json:"code_challenge"`
	Scopes      []string `json:"scopes"`
	Resource    string   `json:"resource,omitempty"`
	// Verifier is the proxy's own PKCE verifier for the upstream request.
	Verifier  string `json:"verifier"`
	Consented bool   `json:"consented,omitempty"`
	Expires   int64  `json:"expires"`
}

// authorize serves the authorization endpoint. Errors about the client or
// its redirect URI are answered here (never redirected to an unchecked
// URI); the others are redirected to the client (RFC 6749 §4.1.2.1).
func (p *Proxy) authorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the authorization request does not parse")
		return
	}
	q := r.Form
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method", "scope", "resource"} {
		if len(q[k]) > 1 {
			writeError(w, http.StatusBadRequest, "invalid_request", k+" is repeated")
			return
		}
	}
	ctx := r.Context()
	clientID := q.Get("client_id")
	c, err := p.client(ctx, clientID)
	if err != nil {
		p.refuseClient(w, "authorize", clientID, err)
		return
	}
	raw := q.Get("redirect_uri")
	if raw == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is required")
		return
	}
	if err := p.checkRedirect(c, raw); err != nil {
		p.log.Info("oauthproxy: authorization refused", "client_id", c.ID, "reason", err.Error())
		writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	state := q.Get("state")
	if len(state) > 2048 {
		writeError(w, http.StatusBadRequest, "invalid_request", "state is too long")
		return
	}
	fail := func(code, desc string) {
		p.log.Info("oauthproxy: authorization refused", "client_id", c.ID, "error", code, "reason", desc)
		p.redirectError(w, r, raw, state, code, desc)
	}
	if rt := q.Get("response_type"); rt != respCode {
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "":
		fail("invalid_request", "code_challenge is required (PKCE, S256)")
		return
	case method != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case len(challenge) != 43 || strings.Trim(challenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "":
		fail("invalid_request", "code_challenge is not a base64url SHA-256")
		return
	}
	resource := q.Get("resource")
	if resource != "" && !p.sameResource(resource) {
		fail("invalid_target", "resource does not name this server")
		return
	}
	var limit []string
	if c.Scope != "" {
		limit = strings.Fields(c.Scope)
	}
	scopes, err := p.scopes(q.Get("scope"), limit)
	if err != nil {
		fail("invalid_scope", err.Error())
		return
	}
	id := randomString(32)
	t := &txn{ClientID: c.ID, RedirectURI: raw, State: state, Challenge: challenge, Scopes: scopes,
		Resource: resource, Verifier: oauth2.GenerateVerifier(), Expires: p.now().Add(p.cfg.AuthorizationTTL).Unix()}
	kind := kindPending
	if c.skipConsent {
		t.Consented, kind = true, kindTxn
	}
	if err := p.store.put(ctx, kind, digest(id), t, p.cfg.AuthorizationTTL); err != nil {
		p.log.Error("oauthproxy: storing an authorization", "error", err)
		writeError(w, http.StatusInternalServerError, "server_error", "the authorization could not be stored")
		return
	}
	if c.skipConsent {
		p.bind(w, id)
		http.Redirect(w, r, p.upstreamURL(id, t), http.StatusFound)
		return
	}
	http.Redirect(w, r, p.paths.consent+"?txn="+url.QueryEscape(id), http.StatusFound)
}

// checkRedirect checks the redirect URI of an authorization request: one
// of the client's, and, for a client that registered itself, on the
// allow-list still (it may have changed since).
func (p *Proxy) checkRedirect(c *clientRecord, raw string) error {
	if f := p.cfg.insecure.registeredURI; f != nil {
		if !f(c.RedirectURIs, raw) {
			return fmt.Errorf("redirect URI %q is not registered for this client", raw)
		}
	} else if u, err := parseRedirect(raw); err != nil {
		return err
	} else if !registered(c.RedirectURIs, u) {
		return fmt.Errorf("redirect URI %q is not registered for this client", raw)
	}
	if c.static {
		return nil
	}
	return p.allowRedirect(raw)
}

// refuseClient answers an unknown client with 401 invalid_client, which
// tells a client that registered dynamically to register again.
func (p *Proxy) refuseClient(w http.ResponseWriter, where, clientID string, err error) {
	if errors.Is(err, errUnknownClient) || errors.Is(err, errDocument) {
		p.log.Info("oauthproxy: unknown client", "endpoint", where, "client_id", truncate(clientID), "reason", err.Error())
		writeError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	p.log.Error("oauthproxy: looking up a client", "endpoint", where, "error", err)
	writeError(w, http.StatusInternalServerError, "server_error", "the client could not be looked up")
}

// redirectError sends the user back to the client with an error.
func (p *Proxy) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, desc string) {
	v := url.Values{"error": {code}, "iss": {p.issuerID()}}
	if desc != "" {
		v.Set("error_description", desc)
	}
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, addQuery(redirectURI, v), http.StatusFound)
}

// addQuery adds v to the query of a redirect URI that has been checked.
func addQuery(raw string, v url.Values) string {
	u, _ := url.Parse(raw)
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// upstreamURL is the upstream authorization request of transaction id,
// with the proxy's own PKCE challenge.
func (p *Proxy) upstreamURL(id string, t *txn) string {
	scopes := p.cfg.Upstream.Scopes
	if len(scopes) == 0 {
		scopes = t.Scopes
	}
	c := *p.upstream
	c.Scopes = scopes
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(t.Verifier)}
	for k, vs := range p.cfg.Upstream.AuthorizationParams {
		for _, v := range vs {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	return c.AuthCodeURL(id, opts...)
}

// loadTxn reads the transaction id names: consented, or else not yet.
func (p *Proxy) loadTxn(ctx context.Context, id string) (*txn, bool, error) {
	if id == "" || len(id) > 128 {
		return nil, false, nil
	}
	var t txn
	ok, err := p.store.get(ctx, kindTxn, digest(id), &t)
	if err == nil && !ok {
		ok, err = p.store.get(ctx, kindPending, digest(id), &t)
		t.Consented = false // only a consented one lives under kindTxn
	}
	if err != nil || !ok {
		return nil, false, err
	}
	if p.now().Unix() > t.Expires {
		return nil, false, nil
	}
	return &t, true, nil
}

// Cookie names: one binding and one CSRF cookie per authorization, named
// after it (several may be in progress in one browser).
func (p *Proxy) cookieName(kind, id string) string {
	n := "mcp-" + kind + "-" + digest(id)[:16]
	if p.secure {
		return "__Host-" + n
	}
	return n
}

func (p *Proxy) setCookie(w http.ResponseWriter, name, value string, maxAge int, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: p.secure, HttpOnly: true, SameSite: same})
}

// bind sets the cookie that binds the browser to transaction id: the
// upstream callback is honoured only in a browser that has it. It is
// SameSite=Lax, sent on the top-level redirect back from the provider.
func (p *Proxy) bind(w http.ResponseWriter, id string) {
	p.setCookie(w, p.cookieName("consent", id), p.keys.mac("consent-binding", id),
		int(p.cfg.AuthorizationTTL/time.Second), http.SameSiteLaxMode)
}

// bound reports whether the request comes from the browser transaction
// id was consented in.
func (p *Proxy) bound(r *http.Request, id string) bool {
	if p.cfg.insecure.noBinding {
		return true
	}
	ck, err := r.Cookie(p.cookieName("consent", id))
	return err == nil && equalMAC(ck.Value, p.keys.mac("consent-binding", id))
}

// consentPage shows the user what they are asked to approve.
func (p *Proxy) consentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.URL.Query().Get("txn")
	t, ok, err := p.loadTxn(ctx, id)
	if err != nil {
		p.log.Error("oauthproxy: loading an authorization", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		p.page(w, http.StatusBadRequest, "", pageData{Title: "Authorization expired",
			Message: "This authorization request is unknown or has expired. Start again from your application."})
		return
	}
	c, err := p.client(ctx, t.ClientID)
	if err != nil {
		p.refuseClient(w, "consent", t.ClientID, err)
		return
	}
	nonce := randomString(24)
	p.setCookie(w, p.cookieName("csrf", id), nonce, int(p.cfg.AuthorizationTTL/time.Second), http.SameSiteStrictMode)
	ru, _ := url.Parse(t.RedirectURI)
	d := pageData{
		Title:       "Authorize " + c.displayName(),
		ClientName:  c.displayName(),
		ClientID:    c.ID,
		Verified:    c.document,
		Redirect:    t.RedirectURI,
		RedirectTo:  ru.Host,
		Scopes:      t.Scopes,
		Resource:    p.cfg.Resource,
		Action:      p.paths.consent,
		Txn:         id,
		CSRF:        p.keys.mac("csrf", id, nonce),
		Consent:     true,
		DynamicNote: !c.static,
	}
	p.page(w, http.StatusOK, formTargets(p.cfg.Upstream.AuthorizationURL, t.RedirectURI), d)
}

// displayName is how the consent page names the client.
func (c *clientRecord) displayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// consentDecision takes the user's decision. The form must carry the CSRF
// token of the page shown in this browser (its nonce is in a SameSite
// Strict cookie), so no other site can decide for the user.
func (p *Proxy) consentDecision(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		p.log.Info("oauthproxy: consent refused", "reason", "cross-site form submission ("+site+")")
		http.Error(w, "cross-site consent refused", http.StatusForbidden)
		return
	}
	id := r.PostForm.Get("txn")
	t, ok, err := p.loadTxn(ctx, id)
	if err != nil {
		p.log.Error("oauthproxy: loading an authorization", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		p.page(w, http.StatusBadRequest, "", pageData{Title: "Authorization expired",
			Message: "This authorization request is unknown or has expired. Start again from your application."})
		return
	}
	ck, err := r.Cookie(p.cookieName("csrf", id))
	if err != nil || !equalMAC(r.PostForm.Get("csrf"), p.keys.mac("csrf", id, ck.Value)) {
		p.log.Info("oauthproxy: consent refused", "client_id", t.ClientID, "reason", "missing or wrong CSRF token")
		http.Error(w, "the consent form is not the one shown in this browser", http.StatusForbidden)
		return
	}
	p.setCookie(w, p.cookieName("csrf", id), "", -1, http.SameSiteStrictMode)
	if r.PostForm.Get("decision") != "approve" {
		p.store.del(ctx, kindPending, digest(id))
		p.store.del(ctx, kindTxn, digest(id))
		p.log.Info("oauthproxy: consent denied by the user", "client_id", t.ClientID)
		p.redirectError(w, r, t.RedirectURI, t.State, "access_denied", "the user denied the request")
		return
	}
	t.Consented = true
	ttl := time.Until(time.Unix(t.Expires, 0))
	if ttl <= 0 {
		ttl = time.Second
	}
	// Consented: moved out of the store a flood of /authorize fills.
	if err := p.store.put(ctx, kindTxn, digest(id), t, ttl); err != nil {
		p.log.Error("oauthproxy: storing an authorization", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.store.del(ctx, kindPending, digest(id))
	p.log.Info("oauthproxy: consent given", "client_id", t.ClientID, "scopes", t.Scopes)
	p.bind(w, id)
	http.Redirect(w, r, p.upstreamURL(id, t), http.StatusFound)
}

// callback takes the upstream provider's redirect: only in the browser
// that consented (403 otherwise), it exchanges the code upstream, keeps
// the upstream tokens encrypted, and sends the user back to the client
// with a code of the proxy's own.
func (p *Proxy) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	id := q.Get("state")
	t, ok, err := p.loadTxn(ctx, id)
	if err != nil {
		p.log.Error("oauthproxy: loading an authorization", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		p.page(w, http.StatusBadRequest, "", pageData{Title: "Authorization expired",
			Message: "This authorization is unknown, already used, or has expired. Start again from your application."})
		return
	}
	if !p.bound(r, id) || !t.Consented {
		p.log.Warn("oauthproxy: upstream callback refused: not the browser that consented", "client_id", t.ClientID)
		p.page(w, http.StatusForbidden, "", pageData{Title: "Authorization refused",
			Message: "This sign-in was not started in this browser. If you did not start it, someone may be trying to obtain access to your account: close this page."})
		return
	}
	var mine txn
	if ok, err := p.store.take(ctx, kindTxn, digest(id), &mine); err != nil || !ok {
		p.page(w, http.StatusBadRequest, "", pageData{Title: "Authorization expired",
			Message: "This authorization was already used. Start again from your application."})
		return
	}
	p.setCookie(w, p.cookieName("consent", id), "", -1, http.SameSiteLaxMode)
	if e := q.Get("error"); e != "" {
		p.log.Info("oauthproxy: the upstream provider refused", "client_id", t.ClientID, "error", truncate(e))
		code := "access_denied"
		if e == "temporarily_unavailable" || e == "server_error" {
			code = e
		}
		p.redirectError(w, r, t.RedirectURI, t.State, code, "the identity provider refused the request")
		return
	}
	hc := p.cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	xctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, hc), 30*time.Second)
	defer cancel()
	tok, err := p.upstream.Exchange(xctx, q.Get("code"), oauth2.VerifierOption(t.Verifier))
	if err != nil {
		p.log.Warn("oauthproxy: exchanging the upstream code", "client_id", t.ClientID, "error", upstreamError(err))
		p.redirectError(w, r, t.RedirectURI, t.State, "server_error", "the identity provider's token could not be obtained")
		return
	}
	who, err := p.identify(xctx, tok)
	if err != nil {
		p.log.Warn("oauthproxy: identifying the user", "client_id", t.ClientID, "error", err)
		p.redirectError(w, r, t.RedirectURI, t.State, "access_denied", "the user could not be identified")
		return
	}
	scopes := t.Scopes
	if who.Scopes != nil {
		scopes = intersect(scopes, who.Scopes)
	}
	gid := randomString(24)
	g, err := p.newGrant(gid, t.ClientID, t.Resource, who, scopes, tok)
	if err != nil {
		p.log.Error("oauthproxy: sealing the upstream token", "error", err)
		p.redirectError(w, r, t.RedirectURI, t.State, "server_error", "")
		return
	}
	if err := p.saveGrant(ctx, gid, g); err != nil {
		p.log.Error("oauthproxy: storing a grant", "error", err)
		p.redirectError(w, r, t.RedirectURI, t.State, "server_error", "")
		return
	}
	code := randomString(32)
	cr := &codeRecord{ClientID: t.ClientID, RedirectURI: t.RedirectURI, Challenge: t.Challenge,
		Scopes: scopes, Resource: t.Resource, GrantID: gid, Expires: p.now().Add(p.cfg.CodeTTL).Unix()}
	if err := p.store.put(ctx, kindCode, digest(code), cr, p.cfg.CodeTTL); err != nil {
		p.log.Error("oauthproxy: storing a code", "error", err)
		p.redirectError(w, r, t.RedirectURI, t.State, "server_error", "")
		return
	}
	p.log.Info("oauthproxy: authorized", "client_id", t.ClientID, "subject", g.Subject, "scopes", scopes)
	v := url.Values{"code": {code}, "iss": {p.issuerID()}}
	if t.State != "" {
		v.Set("state", t.State)
	}
	http.Redirect(w, r, addQuery(t.RedirectURI, v), http.StatusFound)
}

// identify returns who the upstream token belongs to.
func (p *Proxy) identify(ctx context.Context, tok *oauth2.Token) (*Identity, error) {
	if f := p.cfg.Upstream.Identify; f != nil {
		who, err := f(ctx, tok)
		if err != nil {
			return nil, err
		}
		if who == nil || who.Subject == "" {
			return nil, errors.New("Upstream.Identify returned no subject")
		}
		return who, nil
	}
	// The ID token comes straight from the provider's token endpoint over
	// TLS, which OpenID Connect Core §3.1.3.7 accepts in place of its
	// signature; its audience must still be the proxy's client.
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		claims, err := jwtPayload(raw)
		if err != nil {
			return nil, fmt.Errorf("the ID token: %w", err)
		}
		if !audienceHas(claims["aud"], p.cfg.Upstream.ClientID) {
			return nil, errors.New("the ID token is not for this proxy's client")
		}
		sub, _ := claims["sub"].(string)
		if sub == "" {
			return nil, errors.New("the ID token has no subject")
		}
		keep := map[string]any{}
		for _, k := range []string{"sub", "iss", "email", "email_verified", "name", "preferred_username", "groups", "roles", "tid", "oid", "hd"} {
			if v, ok := claims[k]; ok {
				keep[k] = v
			}
		}
		return &Identity{Subject: sub, Claims: keep}, nil
	}
	return &Identity{}, nil
}

// jwtPayload decodes the claims of a JWT without checking its signature.
func jwtPayload(raw string) (map[string]any, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || len(raw) > 16<<10 {
		return nil, errors.New("not a JWT")
	}
	b, err := decodeSegment(parts[1])
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func audienceHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if s, _ := v.(string); s == want {
				return true
			}
		}
	}
	return false
}

// intersect keeps the elements of a that are in b.
func intersect(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		for _, t := range b {
			if s == t {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// truncate bounds a client-chosen string before it is logged.
func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// upstreamError describes an upstream token error without its body.
func upstreamError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return "the token endpoint answered " + re.ErrorCode
		}
		if re.Response != nil {
			return "the token endpoint answered " + re.Response.Status
		}
	}
	return err.Error()
}
