package p

import "context"

// Plan plans.
//
//mcp:prompt color=red
func Plan(ctx context.Context) (string, error) { return "", nil }
