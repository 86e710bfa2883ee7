package p

import "context"

// Args are the arguments.
type Args struct {
	Labels map[string]string `json:"labels" mcp:"enum={}"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
