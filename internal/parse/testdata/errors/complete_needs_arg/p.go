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

// CompleteCity lacks arg.
//
//mcp:complete prompt=plan
func CompleteCity(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
