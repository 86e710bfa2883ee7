package p

import "context"

// Logo is an image.
//
//mcp:tool mime=png
func Logo(ctx context.Context) ([]byte, error) { return nil, nil }
