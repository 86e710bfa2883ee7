package client

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// OAuth configures the OAuth 2.1 authorization of a connection, as the
// MCP authorization specification describes it, on go-sdk's client
// primitives (packages auth and oauthex). When the server answers 401
// (or 403), the client reads the protected resource metadata (RFC 9728,
// from the WWW-Authenticate challenge or the well-known URLs), then the
// authorization server metadata (RFC 8414 or OpenID Connect discovery,
// whose issuer must match), and obtains a token for the server, naming it
// as the resource (RFC 8707):
//
//   - with the authorization code grant and PKCE (the default): the client
//     is identified by its client ID metadata document (ClientIDMetadataURL)
//     when the server supports those, else by a pre-registered ClientID,
//     else by dynamic client registration (RFC 7591) of RedirectURL;
//     Authorize shows the user the authorization URL and returns the
//     redirect's parameters, whose iss is checked (RFC 9207); scopes come
//     from the challenge, else from the resource's scopes_supported; a 403
//     insufficient_scope challenge asks for the union of the scopes
//     (step-up), a bounded number of times;
//   - with the client credentials grant (ClientCredentials), for a
//     service without a user: ClientID and ClientSecret are sent as the
//     token endpoint asks (client_secret_basic or client_secret_post), or,
//     with PrivateKey, a client assertion JWT signed with it
//     (private_key_jwt, RFC 7523); the token request names the resource.
//
// Tokens are refreshed with their refresh token when they expire; the
// refresh request names the resource too.
type OAuth struct {
	// RedirectURL is where the authorization server sends the user back
	// with the authorization code. Required for the authorization code
	// grant.
	RedirectURL string
	// Authorize directs the user to authURL (a browser, a printed link)
	// and returns the query parameters of the redirect to RedirectURL
	// (code, state and, when the server sends it, iss). Required for the
	// authorization code grant; FollowRedirect is one for servers that
	// redirect at once.
	Authorize func(ctx context.Context, authURL string) (url.Values, error)
	// ClientID and ClientSecret are a client registered beforehand with
	// the authorization server (ClientSecret empty for a public client).
	ClientID, ClientSecret string
	// ClientIDMetadataURL is the HTTPS URL of the client's metadata
	// document, used as its client ID where the authorization server
	// supports client ID metadata documents.
	ClientIDMetadataURL string
	// ClientName is the name sent at dynamic registration.
	ClientName string
	// NoDynamicRegistration turns dynamic client registration off.
	NoDynamicRegistration bool
	// RefreshTokens asks for a refresh token (the offline_access scope,
	// where the authorization server supports it).
	RefreshTokens bool
	// ClientCredentials uses the client credentials grant with ClientID
	// and ClientSecret (or PrivateKey) instead of the authorization code
	// grant.
	ClientCredentials bool
	// PrivateKey, with ClientCredentials, authenticates the client with a
	// JWT it signs (ES256 for a P-256 ECDSA key, RS256 for RSA) instead of
	// a secret; ParsePrivateKey reads one from PEM.
	PrivateKey crypto.Signer
	// WorkloadToken, if set, uses the JWT bearer grant (RFC 7523) for
	// workload identity federation (SEP-1933): the JWT it returns (the
	// platform's token for this workload) is the assertion, for ClientID
	// (with ClientSecret or PrivateKey, if set); errors are returned,
	// not retried with another grant.
	WorkloadToken func(context.Context) (string, error)
	// Enterprise, if set, uses enterprise-managed authorization (see
	// Enterprise) with ClientID and ClientSecret at the MCP server's
	// authorization server, instead of the grants above.
	Enterprise *Enterprise
	// HTTPClient makes the metadata, registration and token requests
	// (http.DefaultClient if nil).
	HTTPClient *http.Client
	// Store, if set, keeps the authorization code grant's tokens across
	// connections: a stored token that is valid or can be refreshed is
	// used from the first request (no authorization unless the server
	// refuses it), each new or refreshed token is saved, and a client
	// registered dynamically is saved too and reused while RedirectURL is
	// the same (FileStore is a file).
	Store TokenStore
}

// Handler returns the go-sdk OAuth handler o describes, which a
// mcp.StreamableClientTransport calls on 401 and 403 answers. Connect
// makes one for Options.OAuth.
func (o *OAuth) Handler() (auth.OAuthHandler, error) {
	if e := o.Enterprise; e != nil {
		if e.IdPIssuer == "" && e.IdPTokenEndpoint == "" || e.IdPClientID == "" || e.IDToken == nil || o.ClientID == "" {
			return nil, errors.New("oauth: enterprise-managed authorization needs the identity provider's issuer or token endpoint, a client ID there, an IDToken function and a ClientID")
		}
		return &enterpriseHandler{o: o}, nil
	}
	if o.WorkloadToken != nil {
		if o.ClientID == "" {
			return nil, errors.New("oauth: the JWT bearer grant needs a client ID")
		}
		return &credentialsHandler{clientID: o.ClientID, key: o.PrivateKey, secret: o.ClientSecret, workload: o.WorkloadToken, hc: o.HTTPClient}, nil
	}
	if o.ClientCredentials {
		if o.ClientID == "" || o.ClientSecret == "" && o.PrivateKey == nil {
			return nil, errors.New("oauth: the client credentials grant needs a client ID and a secret or private key")
		}
		if o.PrivateKey != nil && jwtAlg(o.PrivateKey) == "" {
			return nil, errors.New("oauth: the private key signs neither ES256 nor RS256")
		}
		return &credentialsHandler{clientID: o.ClientID, key: o.PrivateKey, secret: o.ClientSecret, hc: o.HTTPClient}, nil
	}
	if o.RedirectURL == "" {
		return nil, errors.New("oauth: a redirect URL is required")
	}
	if o.Authorize == nil {
		return nil, errors.New("oauth: an Authorize function is required")
	}
	if o.Store == nil {
		h, err := o.codeHandler(nil, nil, false)
		if err != nil {
			return nil, fmt.Errorf("oauth: %w", err)
		}
		return h, nil
	}
	store := &syncStore{s: o.Store}
	stored, err := store.Load()
	if err != nil {
		return nil, fmt.Errorf("oauth: loading the stored authorization: %w", err)
	}
	reuse := stored != nil && stored.Registered && stored.ClientID != "" && stored.RedirectURL == o.RedirectURL &&
		o.ClientID == "" && !o.NoDynamicRegistration
	h, err := o.codeHandler(store, stored, reuse)
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	sh := &storeHandler{inner: h}
	if reuse {
		sh.fresh = func() (*auth.AuthorizationCodeHandler, error) { return o.codeHandler(store, nil, false) }
	}
	return sh, nil
}

// codeHandler returns the handler of the authorization code grant, which
// saves its tokens in store if not nil. stored is what store held (nil if
// nothing): its token, if usable, is the first one, and with reuse its
// client is the registered one.
func (o *OAuth) codeHandler(store TokenStore, stored *StoredAuth, reuse bool) (*auth.AuthorizationCodeHandler, error) {
	authorize := o.Authorize
	var rs resourceSource
	cfg := &auth.AuthorizationCodeHandlerConfig{
		RedirectURL: o.RedirectURL,
		AuthorizationCodeFetcher: func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
			if reuse && stored.AuthURL != "" && !sameEndpoint(args.URL, stored.AuthURL) {
				return nil, errStaleClient
			}
			if u, err := url.Parse(args.URL); err == nil {
				rs.set(u.Query().Get("resource"))
			}
			q, err := authorize(ctx, args.URL)
			if err != nil {
				return nil, err
			}
			if e := q.Get("error"); e != "" {
				if d := q.Get("error_description"); d != "" {
					e += ": " + d
				}
				return nil, fmt.Errorf("oauth: authorization refused: %s", e)
			}
			return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
		},
		RequestRefreshToken: o.RefreshTokens,
		Client:              o.HTTPClient,
		NewTokenSource:      rs.tokenSource,
	}
	if store != nil {
		cfg.NewTokenSource = func(ctx context.Context, c *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
			if reuse && c.ClientID == stored.ClientID && c.Endpoint.AuthStyle == oauth2.AuthStyleAutoDetect {
				// go-sdk guesses how a client it did not register
				// authenticates; the registration said.
				cc := *c
				cc.Endpoint.AuthStyle = stored.AuthStyle
				c = &cc
			}
			src, err := rs.tokenSource(ctx, c, tok)
			if err != nil {
				return nil, err
			}
			a := &StoredAuth{
				Resource: rs.get(), AuthURL: c.Endpoint.AuthURL, TokenURL: c.Endpoint.TokenURL,
				ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthStyle: c.Endpoint.AuthStyle,
				Registered:  c.ClientID != o.ClientID && c.ClientID != o.ClientIDMetadataURL,
				RedirectURL: o.RedirectURL,
			}
			return saving(store, src, a, tok)
		}
		if stored.usable() {
			a := *stored
			hc := o.HTTPClient
			if hc == nil {
				hc = http.DefaultClient
			}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
			src := refreshSource(ctx, a.config(), a.Token, a.Resource)
			cfg.InitialTokenSource = &savingSource{src: src, last: a.Token.AccessToken, save: func(t *oauth2.Token) error {
				a.Token = t
				return store.Save(&a)
			}}
		}
	}
	if o.ClientIDMetadataURL != "" {
		cfg.ClientIDMetadataDocumentConfig = &auth.ClientIDMetadataDocumentConfig{URL: o.ClientIDMetadataURL}
	}
	if o.ClientID != "" {
		cfg.PreregisteredClient = o.credentials()
	} else if reuse {
		c := &oauthex.ClientCredentials{ClientID: stored.ClientID}
		if stored.ClientSecret != "" {
			c.ClientSecretAuth = &oauthex.ClientSecretAuth{ClientSecret: stored.ClientSecret}
		}
		cfg.PreregisteredClient = c
	}
	if !o.NoDynamicRegistration {
		md := &oauthex.ClientRegistrationMetadata{RedirectURIs: []string{o.RedirectURL}, ClientName: o.ClientName}
		if o.RefreshTokens {
			md.GrantTypes = []string{"authorization_code", "refresh_token"}
		}
		cfg.DynamicClientRegistrationConfig = &auth.DynamicClientRegistrationConfig{Metadata: md}
	}
	return auth.NewAuthorizationCodeHandler(cfg)
}

// saving saves the authorization a with its first token tok in store,
// and returns src saving each later token too.
func saving(store TokenStore, src oauth2.TokenSource, a *StoredAuth, tok *oauth2.Token) (oauth2.TokenSource, error) {
	a.Token = tok
	if err := store.Save(a); err != nil {
		return nil, fmt.Errorf("storing the token: %w", err)
	}
	return &savingSource{src: src, last: tok.AccessToken, save: func(t *oauth2.Token) error {
		a.Token = t
		return store.Save(a)
	}}, nil
}

// resourceSource makes the token sources of an authorization code
// handler, whose refresh token requests name the resource the token was
// granted for, as RFC 8707 and the MCP specification ask of every token
// request (go-sdk names it in the authorization and code exchange only).
type resourceSource struct {
	mu       sync.Mutex
	resource string // of the latest authorization request
}

func (rs *resourceSource) set(resource string) {
	rs.mu.Lock()
	rs.resource = resource
	rs.mu.Unlock()
}

func (rs *resourceSource) get() string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.resource
}

func (rs *resourceSource) tokenSource(ctx context.Context, cfg *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
	return refreshSource(ctx, cfg, tok, rs.get()), nil
}

// refreshSource returns cfg's token source from tok, whose refresh token
// requests name resource (if not "").
func refreshSource(ctx context.Context, cfg *oauth2.Config, tok *oauth2.Token, resource string) oauth2.TokenSource {
	if resource == "" {
		return cfg.TokenSource(ctx, tok)
	}
	hc, _ := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if hc == nil {
		hc = http.DefaultClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *hc
	c.Transport = &refreshResource{base: base, tokenURL: cfg.Endpoint.TokenURL, resource: resource}
	return cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, &c), tok)
}

// refreshResource adds the resource parameter to the refresh token
// requests sent to tokenURL.
type refreshResource struct {
	base               http.RoundTripper
	tokenURL, resource string
}

func (t *refreshResource) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || r.URL.String() != t.tokenURL || r.Body == nil {
		return t.base.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("grant_type") == "refresh_token" && !form.Has("resource") {
		form.Set("resource", t.resource)
		body = []byte(form.Encode())
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.base.RoundTrip(r)
}

func (o *OAuth) credentials() *oauthex.ClientCredentials {
	c := &oauthex.ClientCredentials{ClientID: o.ClientID}
	if o.ClientSecret != "" {
		c.ClientSecretAuth = &oauthex.ClientSecretAuth{ClientSecret: o.ClientSecret}
	}
	return c
}

// FollowRedirect returns an OAuth.Authorize for authorization servers
// that answer the authorization request with a redirect at once (no user
// to ask: test servers, pre-approved clients): it requests authURL with
// hc (http.DefaultClient's transport if nil) and returns the query of the
// redirect's Location.
func FollowRedirect(hc *http.Client) func(context.Context, string) (url.Values, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if hc != nil {
		c.Transport, c.Jar, c.Timeout = hc.Transport, hc.Jar, hc.Timeout
	}
	return func(ctx context.Context, authURL string) (url.Values, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 || loc == "" {
			return nil, fmt.Errorf("oauth: authorization request answered %s without a redirect", resp.Status)
		}
		u, err := url.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("oauth: authorization redirect: %w", err)
		}
		return u.Query(), nil
	}
}
