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
package main

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/mcpgen/mcpgen/examples/tenants"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tenants:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := tenants.Config{
		Resource: os.Getenv("TENANTS_RESOURCE"),
		Issuer:   os.Getenv("TENANTS_ISSUER"),
		JWKSURL:  os.Getenv("TENANTS_JWKS_URL"),
	}
	if cfg.Resource == "" {
		addr := os.Getenv("MCPGEN_HTTP")
		if i := slices.Index(os.Args, "-http"); i >= 0 && i+1 < len(os.Args) {
			addr = os.Args[i+1]
		}
		cfg.Resource = "http://" + addr + "/mcp"
	}
	s, err := tenants.NewServer(cfg, nil)
	if err != nil {
		return err
	}
	return s.Run(context.Background())
}
