package p

import "context"

// Args are the arguments.
type Args struct {
	Verbose bool `json:"verbose,omitempty" mcp:"default=yes"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
