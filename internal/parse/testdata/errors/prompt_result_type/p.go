package p

import "context"

// Plan plans.
//
//mcp:prompt
func Plan(ctx context.Context) ([]string, error) { return nil, nil }
