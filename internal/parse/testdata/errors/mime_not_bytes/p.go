package p

import "context"

// Logo is not an image.
//
//mcp:tool mime=image/png
func Logo(ctx context.Context) (string, error) { return "", nil }
