package p

import "context"

// Get gets.
//
//mcp:widget name=get
func Get(ctx context.Context) (string, error) { return "", nil }
