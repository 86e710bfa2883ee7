package p

import "context"

// Spaced has a space after the slashes.
//
// mcp:tool readonly
func Spaced(ctx context.Context) (string, error) { return "", nil }

// Upper is in upper case.
//
//MCP:tool
func Upper(ctx context.Context) (string, error) { return "", nil }

// Colon has spaces around the colon.
//
// Mcp : prompt
func Colon(ctx context.Context) (string, error) { return "", nil }

// Prose is not reported:
// MCP: the protocol, and
// mcp:toolbox is no directive kind.
func Prose(ctx context.Context) (string, error) { return "", nil }

// mcp:resource uri=x://y
var stray = 1
