package p

import "context"

// Get gets.
//
//mcp:tool
func Get(ctx context.Context, in Args, opts Args) (string, error) { return "", nil }

// Args are arguments.
type Args struct {
	ID string `json:"id"`
}
