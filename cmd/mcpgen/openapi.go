package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpgen/mcpgen/internal/openapigen"
	"github.com/mcpgen/mcpgen/runtime/openapi"
)

func init() {
	var out, pkg, baseURL string
	var routes, names []string
	cmd := &cobra.Command{
		Use:   "openapi SPEC -o DIR",
		Short: "Write a Go package serving a REST API from its OpenAPI document",
		Long: `openapi reads an OpenAPI 3.0 or 3.1 document (a file or an http(s) URL) and
writes a Go package into DIR that serves the API as MCP components, with the
mapping runtime/openapi's dynamic provider uses: every operation is a tool
unless a --route says otherwise. DIR gets openapi_gen.go (an argument struct
with mcp tags and an annotated function per operation, each making its
request through runtime/openapi's Client), mcp_gen.go, and mcp.lock.json the
first time, so that mcpgen check reports a later change to the document that
would break clients. DIR must be inside a Go module that requires mcpgen.

A route is KIND[:METHODS[:PATTERN]]: KIND is tool, resource,
resource_template or exclude, METHODS a comma list (GET,POST), PATTERN a
regular expression on the path template. The first matching route wins.`,
		Example: `  mcpgen openapi petstore.json -o ./petstore
  mcpgen openapi https://api.example.com/openapi.json -o ./api --package api \
      --route exclude:DELETE --route resource_template:GET:'\{' --name listPets=pets`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("openapi: -o DIR is required")
			}
			opts := openapigen.Options{Package: pkg, Source: filepath.Base(args[0]), Mapping: openapi.Options{BaseURL: baseURL, Names: map[string]string{}}}
			if opts.Package == "" {
				opts.Package = goPackageName(out)
			}
			for _, r := range routes {
				rm, err := parseRoute(r)
				if err != nil {
					return err
				}
				opts.Mapping.RouteMaps = append(opts.Mapping.RouteMaps, rm)
			}
			for _, n := range names {
				id, name, ok := strings.Cut(n, "=")
				if !ok || id == "" || name == "" {
					return fmt.Errorf("openapi: --name %q: want operationId=name", n)
				}
				opts.Mapping.Names[id] = name
			}
			ctx := context.Background()
			doc, err := openapi.ReadDocument(ctx, args[0])
			if err != nil {
				return err
			}
			written, err := openapigen.Write(ctx, doc, out, opts)
			wd, _ := os.Getwd()
			for _, p := range written {
				if rel, rerr := filepath.Rel(wd, p); rerr == nil {
					p = rel
				}
				fmt.Fprintf(os.Stderr, "wrote %s\n", p)
			}
			if err != nil {
				return reportLoad(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the package directory to write")
	cmd.Flags().StringVar(&pkg, "package", "", "the Go package name (default: from the directory's name)")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "the API's URL, instead of the document's first server")
	cmd.Flags().StringArrayVar(&routes, "route", nil, "a route map, KIND[:METHODS[:PATTERN]] (repeatable; the first match wins)")
	cmd.Flags().StringArrayVar(&names, "name", nil, "rename a component, operationId=name (repeatable)")
	addCommand(cmd)
}

// parseRoute parses KIND[:METHODS[:PATTERN]].
func parseRoute(s string) (openapi.RouteMap, error) {
	parts := strings.SplitN(s, ":", 3)
	rm := openapi.RouteMap{Kind: openapi.Kind(parts[0])}
	if len(parts) > 1 && parts[1] != "" {
		rm.Methods = strings.Split(parts[1], ",")
	}
	if len(parts) > 2 {
		rm.Pattern = parts[2]
	}
	switch rm.Kind {
	case openapi.Tool, openapi.Resource, openapi.ResourceTemplate, openapi.Exclude:
		return rm, nil
	}
	return rm, fmt.Errorf("openapi: --route %q: kind must be tool, resource, resource_template or exclude", s)
}
