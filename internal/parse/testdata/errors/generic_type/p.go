package p

import "context"

// Box is generic.
type Box[T any] struct{ V T }

// Args uses an instance of Box.
type Args struct {
	Box Box[int] `json:"box"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
