package p

import "context"

// Get gets.
//
//mcp:tool
func Get(ctx context.Context, id string) (string, error) { return "", nil }

// Each calls back.
//
//mcp:tool
func Each(ctx context.Context, fn func(string)) error { return nil }
