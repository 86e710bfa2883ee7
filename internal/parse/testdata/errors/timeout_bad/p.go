package p

import "context"

// Get gets.
//
//mcp:tool timeout=soon
func Get(ctx context.Context) (string, error) { return "", nil }

// Put puts.
//
//mcp:tool timeout=-1s
func Put(ctx context.Context) (string, error) { return "", nil }
