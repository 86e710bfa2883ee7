package p

import "context"

// Ping is a resource with no contents.
//
//mcp:resource uri=ping://
func Ping(ctx context.Context) error { return nil }
