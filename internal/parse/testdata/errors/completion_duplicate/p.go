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

// CompleteCity completes city.
//
//mcp:complete prompt=plan arg=city
func CompleteCity(ctx context.Context, prefix string) ([]string, error) { return nil, nil }

// CompleteCity2 completes city again.
//
//mcp:complete prompt=plan arg=city
func CompleteCity2(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
