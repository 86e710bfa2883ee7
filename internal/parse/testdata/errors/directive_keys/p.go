package p

import "context"

// Get gets.
//
//mcp:tool readonly timout=10s tags=a,,b version=1@2
func Get(ctx context.Context) (string, error) { return "", nil }

// Bad has an unknown directive.
//
//mcp:tol
func Bad(ctx context.Context) (string, error) { return "", nil }

// Two has two directives.
//
//mcp:tool
//mcp:prompt
func Two(ctx context.Context) (string, error) { return "", nil }

// Res lacks its uri.
//
//mcp:resource mime=text
func Res(ctx context.Context) (string, error) { return "", nil }

// Slow has a bad timeout.
//
//mcp:tool timeout=-1s readonly=maybe
func Slow(ctx context.Context) (string, error) { return "", nil }
