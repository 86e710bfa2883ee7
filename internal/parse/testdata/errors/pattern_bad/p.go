package p

import "context"

// Args are the arguments.
type Args struct {
	Code string `json:"code" mcp:"pattern=^[A-Z{3}$"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
