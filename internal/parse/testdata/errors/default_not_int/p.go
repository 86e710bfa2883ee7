package p

import "context"

// Args are the arguments.
type Args struct {
	Days  int  `json:"days,omitempty" mcp:"default=ten"`
	Hours int8 `json:"hours,omitempty" mcp:"default=1000"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
