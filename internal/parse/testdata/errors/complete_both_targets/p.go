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

// City is a city.
//
//mcp:resource uri=city://{city}
func City(ctx context.Context, city string) (string, error) { return "", nil }

// CompleteCity names both.
//
//mcp:complete prompt=plan resource=city://{city} arg=city
func CompleteCity(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
