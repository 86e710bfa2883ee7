package p

import "context"

// Get gets.
//
//mcp:tool readonly timout=10s
func Get(ctx context.Context) (string, error) { return "", nil }
