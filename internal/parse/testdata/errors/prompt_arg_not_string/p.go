package p

import "context"

// Plan plans.
//
//mcp:prompt
func Plan(ctx context.Context, in PlanArgs) (string, error) { return "", nil }

// PlanArgs are Plan's arguments.
type PlanArgs struct {
	City string `json:"city"`
	Days int    `json:"days"`
}
