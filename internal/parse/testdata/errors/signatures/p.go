package p

import "context"

// NoCtx lacks a context.
//
//mcp:tool
func NoCtx(in Args) (string, error) { return "", nil }

// TwoArgs takes two argument structs.
//
//mcp:tool
func TwoArgs(ctx context.Context, a Args, b Args) (string, error) { return "", nil }

// Scalar takes a string, not a struct.
//
//mcp:tool
func Scalar(ctx context.Context, s string) (string, error) { return "", nil }

// BadResult returns a channel.
//
//mcp:tool
func BadResult(ctx context.Context) (chan int, error) { return nil, nil }

// ThreeResults returns too much.
//
//mcp:tool
func ThreeResults(ctx context.Context) (string, int, error) { return "", 0, nil }

// Method is on a type.
//
//mcp:tool
func (Args) Method(ctx context.Context) (string, error) { return "", nil }

// Generic is generic.
//
//mcp:tool
func Generic[T any](ctx context.Context) (string, error) { return "", nil }

// Mime on a string result.
//
//mcp:tool mime=image/png
func Mime(ctx context.Context) (string, error) { return "", nil }

// Args are arguments.
type Args struct {
	X int `json:"x"`
}
