package p

import "context"

// Get gets.
//
//mcp:tool title version=
func Get(ctx context.Context) (string, error) { return "", nil }
