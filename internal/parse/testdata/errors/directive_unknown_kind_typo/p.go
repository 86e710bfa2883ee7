package p

import "context"

// Get gets.
//
//mcp:tol
func Get(ctx context.Context) (string, error) { return "", nil }
