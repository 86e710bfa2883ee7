package p

import "context"

// Readme is a file.
//
//mcp:resource uri=file:///readme
func Readme(ctx context.Context, lang string) (string, error) { return "", nil }
