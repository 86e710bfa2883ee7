package p

import "context"

// A has a name with a space.
//
//mcp:tool name="has space"
func A(ctx context.Context) (string, error) { return "", nil }

// B and C share a name and version.
//
//mcp:tool name=same version=1
func B(ctx context.Context) (string, error) { return "", nil }

// C shares B's name and version.
//
//mcp:tool name=same version=1
func C(ctx context.Context) (string, error) { return "", nil }

// D is versioned, E is not, under one name.
//
//mcp:tool name=mixed version=2
func D(ctx context.Context) (string, error) { return "", nil }

// E is the unversioned one.
//
//mcp:tool name=mixed
func E(ctx context.Context) (string, error) { return "", nil }

//mcp:tool
func NoDoc(ctx context.Context) (string, error) { return "", nil }
