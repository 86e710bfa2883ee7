package p

import "context"

// Client calls.
type Client struct{}

// Get gets.
//
//mcp:tool
func (c *Client) Get(ctx context.Context) (string, error) { return "", nil }
