package p

import "context"

// Args are the arguments.
type Args struct {
	Ids []int `json:"ids,omitempty" mcp:"default='[1,2'"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
