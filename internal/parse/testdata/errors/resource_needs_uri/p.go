package p

import "context"

// Readme is a file.
//
//mcp:resource mime=text/markdown
func Readme(ctx context.Context) (string, error) { return "", nil }
