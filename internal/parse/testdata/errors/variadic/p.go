package p

import "context"

// Get gets.
//
//mcp:tool
func Get(ctx context.Context, ids ...string) (string, error) { return "", nil }
