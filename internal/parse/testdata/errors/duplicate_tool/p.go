package p

import "context"

// Get gets.
//
//mcp:tool
func Get(ctx context.Context) (string, error) { return "", nil }

// GetToo gets too.
//
//mcp:tool name=get
func GetToo(ctx context.Context) (string, error) { return "", nil }
