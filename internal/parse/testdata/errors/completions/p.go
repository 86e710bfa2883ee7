package p

import "context"

// Trip is a prompt.
//
//mcp:prompt
func Trip(ctx context.Context, in TripArgs) (string, error) { return "", nil }

// TripArgs are its arguments.
type TripArgs struct {
	City string `json:"city"`
}

// NoTarget names nothing.
//
//mcp:complete arg=city
func NoTarget(ctx context.Context, v string) ([]string, error) { return nil, nil }

// WrongArg names an argument Trip lacks.
//
//mcp:complete prompt=trip arg=town
func WrongArg(ctx context.Context, v string) ([]string, error) { return nil, nil }

// WrongPrompt names a prompt that does not exist.
//
//mcp:complete prompt=trap arg=city
func WrongPrompt(ctx context.Context, v string) ([]string, error) { return nil, nil }

// BadSig returns a string.
//
//mcp:complete prompt=trip arg=city
func BadSig(ctx context.Context, v string) (string, error) { return "", nil }

// Dup completes city twice.
//
//mcp:complete prompt=trip arg=city
func Dup(ctx context.Context, v string) ([]string, error) { return nil, nil }

// Dup2 is the second.
//
//mcp:complete prompt=trip arg=city
func Dup2(ctx context.Context, v string) ([]string, error) { return nil, nil }
