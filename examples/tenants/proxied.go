package tenants

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/mcpgen/mcpgen/runtime/auth/oauthproxy"
)

// ProxyConfig says how the server signs its users in through an OAuth
// proxy (runtime/auth/oauthproxy) in front of an identity provider without
// dynamic client registration: MCP clients register with the proxy, users
// consent on its page and sign in at the provider, and the server accepts
// only the proxy's own tokens, issued for it.
type ProxyConfig struct {
	// Base is the server's URL (https://mcp.example.com): the proxy's
	// issuer. The MCP endpoint is Base + "/mcp".
	Base string
	// Upstream is the identity provider, with the proxy's client there
	// (its redirect URI: Base + "/auth/callback"). Without an Identify,
	// the provider's ID token makes the identity: "sub" the subject,
	// "tenant" the tenant claim, and "admin": true adds the admin scope.
	Upstream oauthproxy.Upstream
	// Key derives the proxy's signing and encryption keys (32+ random
	// bytes, the same on every replica; random when nil).
	Key []byte
}

// NewProxiedServer returns the tenants server behind an OAuth proxy: one
// HTTP listener (ListenAndServe or Run -http) serves the proxy's endpoints,
// the protected-resource metadata and the MCP endpoint, which wants the
// proxy's tokens. opts may be nil.
func NewProxiedServer(cfg ProxyConfig, opts *runtime.Options) (*runtime.Server, error) {
	if cfg.Base == "" || cfg.Upstream.AuthorizationURL == "" || cfg.Upstream.TokenURL == "" || cfg.Upstream.ClientID == "" {
		return nil, errors.New("tenants: Base and the upstream's AuthorizationURL, TokenURL and ClientID are required")
	}
	base := strings.TrimSuffix(cfg.Base, "/")
	up := cfg.Upstream
	if up.Identify == nil {
		up.Identify = identifyFromIDToken
	}
	proxy, err := oauthproxy.New(oauthproxy.Config{
		Issuer:                 base,
		Resource:               base + "/mcp",
		Upstream:               up,
		Scopes:                 []string{"mail", "admin"},
		AllowLoopbackRedirects: true, // native clients, mcpgen's CLI among them
		Key:                    cfg.Key,
	})
	if err != nil {
		return nil, err
	}
	o := runtime.Options{}
	if opts != nil {
		o = *opts
	}
	o.HTTPMiddleware = append(o.HTTPMiddleware, proxy.Middleware(), auth.Require(proxy.Verifier(), &auth.Options{
		Resource:             base + "/mcp",
		AuthorizationServers: []string{proxy.AuthorizationServer()},
		ScopesSupported:      []string{"mail", "admin"},
	}))
	s := runtime.NewServer(&runtime.Implementation{Name: "tenants", Version: "1.0.0"}, &o)
	if err := s.Add(Components()); err != nil {
		return nil, err
	}
	return s, nil
}

// identifyFromIDToken reads who signed in from the ID token the provider's
// token endpoint returned to the proxy, over TLS from the provider itself
// (OpenID Connect Core 3.1.3.7: its signature need not be checked then).
func identifyFromIDToken(_ context.Context, tok *oauth2.Token) (*oauthproxy.Identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("tenants: the identity provider returned no ID token")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("tenants: the ID token: %v", err)
	}
	var claims struct {
		Sub    string `json:"sub"`
		Tenant string `json:"tenant"`
		Admin  bool   `json:"admin"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub == "" {
		return nil, fmt.Errorf("tenants: the ID token names no subject (%v)", err)
	}
	id := &oauthproxy.Identity{Subject: claims.Sub, Scopes: []string{"mail"}}
	if claims.Tenant != "" {
		id.Claims = map[string]any{"tenant": claims.Tenant}
	}
	if claims.Admin {
		id.Scopes = append(id.Scopes, "admin")
	}
	return id, nil
}
