package p

import "context"

// Get gets.
//
//mcp:tool name="get it"
func Get(ctx context.Context) (string, error) { return "", nil }

// Plan plans.
//
//mcp:prompt name=plan/trip
func Plan(ctx context.Context) (string, error) { return "", nil }
