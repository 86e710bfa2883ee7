package p

import "context"

// Get gets.
//
//mcp:tool name=get version=1
func Get(ctx context.Context) (string, error) { return "", nil }

// GetToo gets too.
//
//mcp:tool name=get version=1
func GetToo(ctx context.Context) (string, error) { return "", nil }
