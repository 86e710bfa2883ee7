package p

import "context"

//mcp:tool
func Get(ctx context.Context) (string, error) { return "", nil }

//mcp:prompt
func Plan(ctx context.Context) (string, error) { return "", nil }

//mcp:resource uri=file:///readme
func Readme(ctx context.Context) (string, error) { return "", nil }
