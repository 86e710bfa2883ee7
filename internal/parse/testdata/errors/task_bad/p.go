package p

import "context"

// Get gets.
//
//mcp:tool task=sometimes
func Get(ctx context.Context) (string, error) { return "", nil }

// Put puts.
//
//mcp:tool task=
func Put(ctx context.Context) (string, error) { return "", nil }

// List lists.
//
//mcp:tool task=optional task=required
func List(ctx context.Context) (string, error) { return "", nil }

// Read reads.
//
//mcp:resource uri=x://y task=optional
func Read(ctx context.Context) (string, error) { return "", nil }
