package p

import "context"

// CompleteCity completes nothing.
//
//mcp:complete arg=city
func CompleteCity(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
