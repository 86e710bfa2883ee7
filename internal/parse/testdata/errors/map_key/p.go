package p

import "context"

// Point is a struct.
type Point struct{ X, Y int }

// Args has a map with struct keys.
type Args struct {
	Labels map[Point]string `json:"labels"`
	Fine   map[int64]string `json:"fine"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
