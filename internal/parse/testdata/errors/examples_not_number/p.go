package p

import "context"

// Args are the arguments.
type Args struct {
	Ratio float64 `json:"ratio" mcp:"examples=0.5|half"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
