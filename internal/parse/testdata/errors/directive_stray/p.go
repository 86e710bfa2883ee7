package p

import "context"

// Args is not a component.
//
//mcp:tool
type Args struct {
	City string `json:"city"`
}

//mcp:resource uri=config://app

// Detached has its directive above a blank line.
func Detached(ctx context.Context) (string, error) { return "", nil }

var (
	// Limit is a variable.
	//mcp:prompt
	Limit = 3
)

// Inside has a directive in its body.
func Inside(ctx context.Context) {
	//mcp:tool
	_ = ctx
}

// Fine is a real tool, so the package has one.
//
//mcp:tool
func Fine(ctx context.Context, in Args) (string, error) { return in.City, nil }
