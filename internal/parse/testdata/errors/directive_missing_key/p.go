package p

import "context"

// Get gets.
//
//mcp:tool =get
func Get(ctx context.Context) (string, error) { return "", nil }
