package tenants

import (
	"errors"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

// Config says how the server verifies the bearer tokens of its HTTP
// clients.
type Config struct {
	// Resource is the server's own URL, https://mcp.example.com/mcp: the
	// audience its tokens must name, and its RFC 9728 resource identifier.
	Resource string
	// Issuer is the authorization server's issuer, JWKSURL its key set.
	Issuer, JWKSURL string
	// AuthorizationServers are listed in the protected-resource metadata
	// (default: Issuer).
	AuthorizationServers []string
}

// NewServer returns the tenants server with its components, its HTTP
// endpoint behind a JWT verifier: a request without a valid token for
// cfg.Resource gets 401, and each caller lists and uses what its token's
// scopes and tenant allow. opts may be nil.
func NewServer(cfg Config, opts *runtime.Options) (*runtime.Server, error) {
	if cfg.Resource == "" || cfg.JWKSURL == "" || cfg.Issuer == "" {
		return nil, errors.New("tenants: Resource, Issuer and JWKSURL are required")
	}
	servers := cfg.AuthorizationServers
	if servers == nil {
		servers = []string{cfg.Issuer}
	}
	o := runtime.Options{}
	if opts != nil {
		o = *opts
	}
	// README: tenants-jwt
	verifier, err := auth.NewJWTVerifier(auth.JWTOptions{
		JWKSURL:  cfg.JWKSURL,            // keys cached, refetched when rotated
		Issuer:   cfg.Issuer,             // "iss" must match
		Audience: []string{cfg.Resource}, // tokens for other servers are refused
	})
	if err != nil {
		return nil, err
	}
	o.HTTPMiddleware = append(o.HTTPMiddleware, auth.Require(verifier, &auth.Options{
		Resource:             cfg.Resource, // guards its path; serves /.well-known/oauth-protected-resource/mcp
		AuthorizationServers: servers,
	}))
	// README end
	s := runtime.NewServer(&runtime.Implementation{Name: "tenants", Version: "1.0.0"}, &o)
	if err := s.Add(Components()); err != nil {
		return nil, err
	}
	return s, nil
}
