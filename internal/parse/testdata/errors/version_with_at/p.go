package p

import "context"

// Get gets.
//
//mcp:tool version=1@2
func Get(ctx context.Context) (string, error) { return "", nil }
