package oauthproxy

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

// Client is a client registered with the proxy beforehand, in its
// configuration (a static client). Its redirect URIs are trusted as
// configured: the allow-list governs the clients that register
// themselves.
type Client struct {
	// ID is the client's client_id.
	ID string
	// Secret authenticates the client at the token endpoint
	// (client_secret_basic or client_secret_post); empty for a public
	// client, which proves itself with PKCE alone.
	Secret string
	// RedirectURIs are the client's redirect URIs, matched exactly (a
	// loopback one on any port).
	RedirectURIs []string
	// Name is shown on the consent page.
	Name string
	// SkipConsent, for a first-party client, goes to the upstream
	// provider without showing the consent page (the browser is still
	// bound to the authorization by a signed cookie).
	SkipConsent bool
}

// Token endpoint authentication methods.
const (
	authNone   = "none"
	authBasic  = "client_secret_basic"
	authPost   = "client_secret_post"
	grantCode  = "authorization_code"
	grantRT    = "refresh_token"
	respCode   = "code"
	maxURIs    = 16
	maxNameLen = 200
)

// clientRecord is what the proxy knows of a client, however it was
// registered.
type clientRecord struct {
	ID           string   `json:"client_id"`
	SecretDigest string   `json:"secret_digest,omitempty"`
	AuthMethod   string   `json:"token_endpoint_auth_method"`
	RedirectURIs []string `json:"redirect_uris"`
	GrantTypes   []string `json:"grant_types"`
	Name         string   `json:"client_name,omitempty"`
	URI          string   `json:"client_uri,omitempty"`
	Scope        string   `json:"scope,omitempty"`
	IssuedAt     int64    `json:"client_id_issued_at,omitempty"`

	// Not stored: how the client came to be known.
	static      bool // from Config.Clients
	skipConsent bool
	document    bool // a client ID metadata document
}

// refreshes reports whether the client may use refresh tokens.
func (c *clientRecord) refreshes() bool { return c.static || slices.Contains(c.GrantTypes, grantRT) }

// confidential reports whether the client has a secret.
func (c *clientRecord) confidential() bool { return c.SecretDigest != "" }

// checkSecret compares secret with the client's in constant time.
func (c *clientRecord) checkSecret(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(digest(secret)), []byte(c.SecretDigest)) == 1
}

func staticRecord(c Client) (*clientRecord, error) {
	if c.ID == "" {
		return nil, errors.New("a client without an ID")
	}
	if len(c.RedirectURIs) == 0 {
		return nil, fmt.Errorf("client %q has no redirect URIs", c.ID)
	}
	for _, r := range c.RedirectURIs {
		if _, err := parseRedirect(r); err != nil {
			return nil, fmt.Errorf("client %q: %v", c.ID, err)
		}
	}
	r := &clientRecord{ID: c.ID, AuthMethod: authNone, RedirectURIs: c.RedirectURIs,
		GrantTypes: []string{grantCode, grantRT}, Name: c.Name, static: true, skipConsent: c.SkipConsent}
	if c.Secret != "" {
		r.SecretDigest, r.AuthMethod = digest(c.Secret), authBasic
	}
	return r, nil
}

// errUnknownClient: the client id names no client.
var errUnknownClient = errors.New("unknown client")

// client returns the client id names: a static client, a client ID
// metadata document, or a registered client.
func (p *Proxy) client(ctx context.Context, id string) (*clientRecord, error) {
	if c, ok := p.static[id]; ok {
		return c, nil
	}
	if p.cimd != nil && isDocumentID(id) {
		return p.cimd.client(ctx, id, p.allowRedirect)
	}
	if id == "" || len(id) > 256 {
		return nil, errUnknownClient
	}
	var c clientRecord
	ok, err := p.store.get(ctx, kindClient, id, &c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errUnknownClient
	}
	return &c, nil
}

// registration is the body of a dynamic client registration request
// (RFC 7591 §2); other members are ignored.
type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
	Scope                   string   `json:"scope"`
}

// register serves dynamic client registration (RFC 7591).
func (p *Proxy) register(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		writeError(w, http.StatusBadRequest, "invalid_client_metadata", "the registration request must be application/json")
		return
	}
	var req registration
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_client_metadata", "the registration request is not a JSON object of client metadata")
		return
	}
	c, code, err := p.newClient(&req)
	if err != nil {
		p.log.Info("oauthproxy: registration refused", "reason", err.Error())
		writeError(w, http.StatusBadRequest, code, err.Error())
		return
	}
	var secret string
	if c.AuthMethod != authNone {
		secret = randomString(32)
		c.SecretDigest = digest(secret)
	}
	if err := p.store.put(r.Context(), kindClient, c.ID, c, p.cfg.ClientTTL); err != nil {
		p.log.Error("oauthproxy: storing a client", "error", err)
		writeError(w, http.StatusInternalServerError, "server_error", "the client could not be stored")
		return
	}
	p.log.Info("oauthproxy: client registered", "client_id", c.ID, "client_name", c.Name, "redirect_uris", c.RedirectURIs)
	resp := map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        c.IssuedAt,
		"redirect_uris":              c.RedirectURIs,
		"token_endpoint_auth_method": c.AuthMethod,
		"grant_types":                c.GrantTypes,
		"response_types":             []string{respCode},
	}
	if secret != "" {
		resp["client_secret"] = secret
		resp["client_secret_expires_at"] = 0
	}
	if c.Name != "" {
		resp["client_name"] = c.Name
	}
	if c.URI != "" {
		resp["client_uri"] = c.URI
	}
	if c.Scope != "" {
		resp["scope"] = c.Scope
	}
	writeJSON(w, http.StatusCreated, resp)
}

// newClient checks a registration request and returns the client it
// registers, or the error code and description to answer.
func (p *Proxy) newClient(req *registration) (*clientRecord, string, error) {
	if len(req.RedirectURIs) == 0 {
		return nil, "invalid_redirect_uri", errors.New("redirect_uris is required")
	}
	if len(req.RedirectURIs) > maxURIs {
		return nil, "invalid_redirect_uri", fmt.Errorf("at most %d redirect_uris", maxURIs)
	}
	for _, ru := range req.RedirectURIs {
		if err := p.allowRedirect(ru); err != nil {
			return nil, "invalid_redirect_uri", err
		}
	}
	c := &clientRecord{ID: randomString(24), RedirectURIs: req.RedirectURIs, IssuedAt: p.now().Unix()}
	switch req.TokenEndpointAuthMethod {
	case "":
		c.AuthMethod = authBasic // RFC 7591 §2's default
	case authNone, authBasic, authPost:
		c.AuthMethod = req.TokenEndpointAuthMethod
	default:
		return nil, "invalid_client_metadata", fmt.Errorf("token_endpoint_auth_method %q is not supported (none, client_secret_basic, client_secret_post)", req.TokenEndpointAuthMethod)
	}
	c.GrantTypes = req.GrantTypes
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{grantCode}
	}
	for _, g := range c.GrantTypes {
		if g != grantCode && g != grantRT {
			return nil, "invalid_client_metadata", fmt.Errorf("grant type %q is not supported (authorization_code, refresh_token)", g)
		}
	}
	for _, rt := range req.ResponseTypes {
		if rt != respCode {
			return nil, "invalid_client_metadata", fmt.Errorf("response type %q is not supported (code)", rt)
		}
	}
	if req.Scope != "" {
		if _, err := p.scopes(req.Scope, nil); err != nil {
			return nil, "invalid_client_metadata", err
		}
		c.Scope = req.Scope
	}
	name, err := displayName(req.ClientName)
	if err != nil {
		return nil, "invalid_client_metadata", err
	}
	c.Name = name
	if req.ClientURI != "" {
		if u, err := parseRedirect(req.ClientURI); err != nil || u.Scheme != "https" {
			return nil, "invalid_client_metadata", fmt.Errorf("client_uri %q is not an https URL", req.ClientURI)
		}
		c.URI = req.ClientURI
	}
	return c, "", nil
}

// allowRedirect checks a redirect URI a client registers (dynamically
// or by its metadata document) against the allow-list.
func (p *Proxy) allowRedirect(raw string) error {
	if f := p.cfg.insecure.allowRedirect; f != nil {
		if !f(raw) {
			return fmt.Errorf("redirect URI %q is not on this server's allow-list", raw)
		}
		return nil
	}
	_, err := p.redirects.check(raw)
	return err
}

// displayName checks a client's self-chosen name: printable, bounded.
func displayName(s string) (string, error) {
	if len(s) > maxNameLen {
		return "", fmt.Errorf("client_name longer than %d bytes", maxNameLen)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "", errors.New("client_name has a character that is not printable")
		}
	}
	return strings.TrimSpace(s), nil
}

// touchClient keeps a registered client that is used alive.
func (p *Proxy) touchClient(ctx context.Context, c *clientRecord) {
	if c.static || c.document {
		return
	}
	if err := p.store.put(ctx, kindClient, c.ID, c, p.cfg.ClientTTL); err != nil {
		p.log.Warn("oauthproxy: refreshing a client", "client_id", c.ID, "error", err)
	}
}
