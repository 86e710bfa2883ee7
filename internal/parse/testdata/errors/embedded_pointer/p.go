package p

import "context"

// Base is embedded by pointer below.
type Base struct {
	ID string `json:"id"`
}

// Args embeds Base by pointer.
type Args struct {
	*Base
	Name string `json:"name"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
