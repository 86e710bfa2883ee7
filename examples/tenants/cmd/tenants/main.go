// Command tenants serves the example package examples/tenants over
// streamable HTTP behind a JWT verifier:
//
//	TENANTS_ISSUER=https://auth.example.com \
//	TENANTS_JWKS_URL=https://auth.example.com/.well-known/jwks.json \
//	TENANTS_RESOURCE=https://mcp.example.com/mcp \
//	go run ./examples/tenants/cmd/tenants -http 127.0.0.1:8080
//
// TENANTS_RESOURCE defaults to http://ADDR/mcp for the -http address. Over
// stdio (no -http) no token is asked for and the checks are skipped: the
// client is a local process.
//
// Behind the OAuth proxy instead, in front of an identity provider without
// dynamic registration (tenants.NewProxiedServer):
//
//	TENANTS_BASE=https://mcp.example.com \
//	TENANTS_UPSTREAM_AUTHORIZE_URL=https://idp.example.com/authorize \
//	TENANTS_UPSTREAM_TOKEN_URL=https://idp.example.com/token \
//	TENANTS_UPSTREAM_CLIENT_ID=... TENANTS_UPSTREAM_CLIENT_SECRET=... \
//	go run ./examples/tenants/cmd/tenants -http 127.0.0.1:8080
package main

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/mcpgen/mcpgen/examples/tenants"
	"github.com/mcpgen/mcpgen/runtime/auth/oauthproxy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tenants:", err)
		os.Exit(1)
	}
}

func run() error {
	if up := os.Getenv("TENANTS_UPSTREAM_AUTHORIZE_URL"); up != "" {
		s, err := tenants.NewProxiedServer(tenants.ProxyConfig{
			Base: firstSet(os.Getenv("TENANTS_BASE"), "http://"+httpAddr()),
			Upstream: oauthproxy.Upstream{
				AuthorizationURL: up,
				TokenURL:         os.Getenv("TENANTS_UPSTREAM_TOKEN_URL"),
				ClientID:         os.Getenv("TENANTS_UPSTREAM_CLIENT_ID"),
				ClientSecret:     os.Getenv("TENANTS_UPSTREAM_CLIENT_SECRET"),
			},
		}, nil)
		if err != nil {
			return err
		}
		return s.Run(context.Background())
	}
	cfg := tenants.Config{
		Resource: os.Getenv("TENANTS_RESOURCE"),
		Issuer:   os.Getenv("TENANTS_ISSUER"),
		JWKSURL:  os.Getenv("TENANTS_JWKS_URL"),
	}
	if cfg.Resource == "" {
		cfg.Resource = "http://" + httpAddr() + "/mcp"
	}
	s, err := tenants.NewServer(cfg, nil)
	if err != nil {
		return err
	}
	return s.Run(context.Background())
}

// httpAddr is the address Run serves HTTP on: -http ADDR or MCPGEN_HTTP.
func httpAddr() string {
	addr := os.Getenv("MCPGEN_HTTP")
	if i := slices.Index(os.Args, "-http"); i >= 0 && i+1 < len(os.Args) {
		addr = os.Args[i+1]
	}
	return addr
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
