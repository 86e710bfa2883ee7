package p

import "context"

// Args are the arguments.
type Args struct {
	City string   `json:"city" mcp:"maxLength=-1"`
	Tags []string `json:"tags" mcp:"minItems=x"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
