package p

import "context"

// Get gets.
//
//mcp:tool readonly=maybe
func Get(ctx context.Context) (string, error) { return "", nil }
