package p

import "context"

// Get gets.
//
//mcp:tool
func Get(ctx context.Context) (string, int, error) { return "", 0, nil }

// Put puts.
//
//mcp:tool
func Put(ctx context.Context) {}
