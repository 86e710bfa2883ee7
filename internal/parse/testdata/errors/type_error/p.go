package p

import "context"

// Get gets.
//
//mcp:tool
func Get(ctx context.Context) (string, error) { return 42, nil }
