package p

import "context"

// Get gets.
//
//mcp:tool
func Get[T any](ctx context.Context) (string, error) { return "", nil }
