package p

import "context"

// Unbound has a variable no parameter binds.
//
//mcp:resource uri=x://{id}/{other}
func Unbound(ctx context.Context, id string) (string, error) { return "", nil }

// Extra has a parameter the URI lacks.
//
//mcp:resource uri=x://fixed
func Extra(ctx context.Context, id string) (string, error) { return "", nil }

// BadVar binds a struct.
//
//mcp:resource uri=y://{v}
func BadVar(ctx context.Context, v Args) (string, error) { return "", nil }

// BadTemplate does not parse.
//
//mcp:resource uri=z://{unclosed
func BadTemplate(ctx context.Context) (string, error) { return "", nil }

// Args are prompt arguments.
type Args struct {
	N int `json:"n"`
}

// P has a non-string argument.
//
//mcp:prompt
func P(ctx context.Context, in Args) (string, error) { return "", nil }

// Q returns an int.
//
//mcp:prompt
func Q(ctx context.Context) (int, error) { return 0, nil }
