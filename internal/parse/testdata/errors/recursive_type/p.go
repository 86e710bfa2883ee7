package p

import "context"

// Node is a tree.
type Node struct {
	Name     string `json:"name"`
	Children []Node `json:"children"`
}

// Args holds a tree.
type Args struct {
	Root Node `json:"root"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
