package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Enterprise configures enterprise-managed authorization (SEP-990, the
// extension io.modelcontextprotocol/enterprise-managed-authorization):
// the user's ID token from the enterprise identity provider is exchanged
// there (RFC 8693) for an identity assertion grant for the MCP server's
// authorization server, which the client then trades for an access
// token with the JWT bearer grant (RFC 7523), authenticated as
// OAuth.ClientID and OAuth.ClientSecret. The MCP server's authorization
// server and resource come from its protected resource metadata; the
// token exchange is go-sdk's oauthex.ExchangeToken. (go-sdk's
// extauth.EnterpriseHandler needs the authorization server and resource
// up front and refuses an identity provider whose metadata lists no
// PKCE support, which a token exchange does not need.)
type Enterprise struct {
	// IdPIssuer is the identity provider's issuer URL, whose metadata
	// gives its token endpoint, unless IdPTokenEndpoint is set.
	IdPIssuer, IdPTokenEndpoint string
	// IdPClientID and IdPClientSecret identify the client at the
	// identity provider (IdPClientSecret empty for a public client).
	IdPClientID, IdPClientSecret string
	// IDToken returns the user's OpenID Connect ID token (from a login
	// with the identity provider).
	IDToken func(context.Context) (string, error)
}

// enterpriseHandler is the auth.OAuthHandler of Enterprise.
type enterpriseHandler struct {
	o *OAuth

	mu    sync.Mutex
	inner oauth2.TokenSource
}

func (h *enterpriseHandler) TokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	h.mu.Lock()
	inner := h.inner
	h.mu.Unlock()
	return inner, nil
}

func (h *enterpriseHandler) Authorize(ctx context.Context, req *http.Request, resp *http.Response) error {
	challenges, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return fmt.Errorf("oauth: WWW-Authenticate: %w", err)
	}
	var metaURL string
	var scopes []string
	for _, c := range challenges {
		if c.Scheme != "bearer" {
			continue
		}
		if metaURL == "" {
			metaURL = c.Params["resource_metadata"]
		}
		if scopes == nil && c.Params["scope"] != "" {
			scopes = strings.Fields(c.Params["scope"])
		}
	}
	hc := h.o.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	prm, err := resourceMetadata(ctx, metaURL, req.URL, hc)
	if err != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
	if len(prm.AuthorizationServers) == 0 {
		resp.Body.Close()
		return errors.New("oauth: the protected resource metadata names no authorization server")
	}
	resource := prm.Resource
	if resource == "" {
		resource = req.URL.String()
	}
	if len(scopes) == 0 {
		scopes = prm.ScopesSupported
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	e := h.o.Enterprise
	asm, err := auth.GetAuthServerMetadata(ctx, prm.AuthorizationServers[0], hc)
	if err != nil {
		return fmt.Errorf("oauth: authorization server metadata: %w", err)
	}
	if asm == nil {
		return fmt.Errorf("oauth: no authorization server metadata for %s", prm.AuthorizationServers[0])
	}
	idpToken := e.IdPTokenEndpoint
	if idpToken == "" {
		meta, err := auth.GetAuthServerMetadata(ctx, e.IdPIssuer, hc)
		if err != nil {
			return fmt.Errorf("oauth: identity provider metadata: %w", err)
		}
		if meta == nil {
			return fmt.Errorf("oauth: no metadata for the identity provider %s", e.IdPIssuer)
		}
		idpToken = meta.TokenEndpoint
	}
	idToken, err := e.IDToken(ctx)
	if err != nil {
		return fmt.Errorf("oauth: ID token: %w", err)
	}
	idp := &oauthex.ClientCredentials{ClientID: e.IdPClientID}
	if e.IdPClientSecret != "" {
		idp.ClientSecretAuth = &oauthex.ClientSecretAuth{ClientSecret: e.IdPClientSecret}
	}
	jag, err := oauthex.ExchangeToken(ctx, idpToken, &oauthex.TokenExchangeRequest{
		RequestedTokenType: oauthex.TokenTypeIDJAG,
		Audience:           asm.Issuer,
		Resource:           resource,
		Scope:              scopes,
		SubjectToken:       idToken,
		SubjectTokenType:   oauthex.TokenTypeIDToken,
	}, idp, hc)
	if err != nil {
		return fmt.Errorf("oauth: token exchange at the identity provider: %w", err)
	}
	ch := &credentialsHandler{clientID: h.o.ClientID, secret: h.o.ClientSecret}
	style, err := ch.authStyle(asm.TokenEndpointAuthMethodsSupported)
	if err != nil {
		return err
	}
	cfg := &clientcredentials.Config{
		ClientID:     h.o.ClientID,
		ClientSecret: h.o.ClientSecret,
		TokenURL:     asm.TokenEndpoint,
		Scopes:       scopes,
		AuthStyle:    style,
		EndpointParams: url.Values{
			"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
			"assertion":  {jag.AccessToken},
			"resource":   {resource},
		},
	}
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil {
		return fmt.Errorf("oauth: JWT bearer grant: %w", err)
	}
	// The grant is good for one token: when it expires, the server's 401
	// starts over.
	inner := oauth2.StaticTokenSource(tok)
	h.mu.Lock()
	h.inner = inner
	h.mu.Unlock()
	return nil
}
