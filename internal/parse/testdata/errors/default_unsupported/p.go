package p

import "context"

// Args are the arguments.
type Args struct {
	Data []byte `json:"data,omitempty" mcp:"default=abc"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
