package p

import "context"

// Get gets.
//
//mcp:tool name=get name=fetch
func Get(ctx context.Context) (string, error) { return "", nil }
