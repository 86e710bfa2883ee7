package p

import "context"

// Get gets.
//
//mcp:tool name=get version=2
func Get(ctx context.Context) (string, error) { return "", nil }

// GetOld is the unversioned one.
//
//mcp:tool name=get
func GetOld(ctx context.Context) (string, error) { return "", nil }

// Plan plans.
//
//mcp:prompt
func Plan(ctx context.Context) (string, error) { return "", nil }

// Plan2 plans, versioned.
//
//mcp:prompt name=plan version=2
func Plan2(ctx context.Context) (string, error) { return "", nil }
