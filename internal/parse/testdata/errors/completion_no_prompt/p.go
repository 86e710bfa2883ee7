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

// CompleteCity names a prompt that does not exist.
//
//mcp:complete prompt=plan_trip arg=city
func CompleteCity(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
