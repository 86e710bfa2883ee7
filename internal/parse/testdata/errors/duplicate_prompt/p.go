package p

import "context"

// Plan plans.
//
//mcp:prompt version=1
func Plan(ctx context.Context) (string, error) { return "", nil }

// Plan2 plans too.
//
//mcp:prompt name=plan version=1
func Plan2(ctx context.Context) (string, error) { return "", nil }
