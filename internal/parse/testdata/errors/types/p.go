package p

import "context"

// Args has unsupported field types.
type Args struct {
	Ch    chan int          `json:"ch"`
	Fn    func()            `json:"fn"`
	Keys  map[Point]string  `json:"keys"`
	Cx    complex128        `json:"cx"`
	Inner *Base             `json:"inner"`
	Node  Node              `json:"node"`
	Box   Box[int]          `json:"box"`
	Fine  map[int64]float64 `json:"fine"`
}

// Point is a struct, not a valid map key.
type Point struct{ X, Y int }

// Base is embedded by pointer below.
type Base struct{ ID string }

// Ptr embeds by pointer.
type Ptr struct {
	*Base
}

// Node is recursive.
type Node struct {
	Children []Node `json:"children"`
}

// Box is generic.
type Box[T any] struct{ V T }

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }

// UsePtr uses Ptr.
//
//mcp:tool
func UsePtr(ctx context.Context, in Ptr) (string, error) { return "", nil }
