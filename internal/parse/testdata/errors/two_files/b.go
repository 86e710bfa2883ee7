package p

import "context"

// Find finds.
//
//mcp:tool timeout=forever
func Find(ctx context.Context, in Args) (string, error) { return "", nil }

// GetAgain is a second get.
//
//mcp:tool name=get
func GetAgain(ctx context.Context) (string, error) { return "", nil }
