package p

import "context"

// User is a user.
//
//mcp:resource uri=users://{id
func User(ctx context.Context) (string, error) { return "", nil }
