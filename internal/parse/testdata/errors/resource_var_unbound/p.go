package p

import "context"

// User is a user.
//
//mcp:resource uri=users://{org}/{id}
func User(ctx context.Context, id string) (string, error) { return "", nil }
