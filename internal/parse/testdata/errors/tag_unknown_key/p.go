package p

import "context"

// Args are the arguments.
type Args struct {
	City string `json:"city" mcp:"placeholder=Paris"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
