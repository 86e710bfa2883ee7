package p

import "context"

// Plan plans.
//
//mcp:prompt
func Plan(ctx context.Context, in PlanArgs) (string, error) { return "", nil }

// PlanArgs are Plan's arguments.
type PlanArgs struct {
	City string `json:"city"`
}

// CompleteTown names an argument Plan lacks.
//
//mcp:complete prompt=plan arg=town
func CompleteTown(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
