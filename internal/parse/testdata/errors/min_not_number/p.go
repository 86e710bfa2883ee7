package p

import "context"

// Args are the arguments.
type Args struct {
	Days int `json:"days" mcp:"min=one"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
