package p

import "context"

// Get gets.
//
//mcp:tool title="Get it
func Get(ctx context.Context) (string, error) { return "", nil }
