package p

import "context"

// Get gets.
//
//mcp:tool tags=a,,b
func Get(ctx context.Context) (string, error) { return "", nil }
