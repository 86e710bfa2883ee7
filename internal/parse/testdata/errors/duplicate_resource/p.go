package p

import "context"

// Readme is a file.
//
//mcp:resource uri=file:///readme
func Readme(ctx context.Context) (string, error) { return "", nil }

// Readme2 is the same file.
//
//mcp:resource uri=file:///readme
func Readme2(ctx context.Context) (string, error) { return "", nil }
