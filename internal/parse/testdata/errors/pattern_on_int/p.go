package p

import "context"

// Args are the arguments.
type Args struct {
	Code int `json:"code" mcp:"pattern=^[0-9]+$"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
