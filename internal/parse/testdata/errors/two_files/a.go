package p

import "context"

// Args has a bad tag.
type Args struct {
	City string `json:"city" mcp:"pattern=[a-"`
}

// Get gets.
//
//mcp:tool
func Get(ctx context.Context) (string, error) { return "", nil }
