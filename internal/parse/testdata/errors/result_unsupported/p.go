package p

import "context"

// Watch streams.
//
//mcp:tool
func Watch(ctx context.Context) (chan string, error) { return nil, nil }
