package p

import "context"

// Get gets.
//
//mcp:tool
//mcp:prompt
func Get(ctx context.Context) (string, error) { return "", nil }
