package p

import "context"

// Units are unit systems.
type Units string

// The unit systems.
const (
	Metric   Units = "metric"
	Imperial Units = "imperial"
)

// SearchArgs are search's arguments.
type SearchArgs struct {
	Query string `json:"query"`
	Units Units  `json:"units,omitempty"`
	Ratio int    `json:"ratio,omitempty"`
}

// Result is what search returns.
type Result struct {
	Hits []string `json:"hits"`
}

// Search searches.
//
//mcp:tool
func Search(ctx context.Context, in SearchArgs) (Result, error) { return Result{}, nil }

// StableArgs gain an optional field.
type StableArgs struct {
	A string `json:"a"`
	B int    `json:"b,omitempty"`
}

// Stable only gains an optional argument.
//
//mcp:tool
func Stable(ctx context.Context, in StableArgs) (string, error) { return "", nil }

// BumpedArgs change type.
type BumpedArgs struct {
	X int `json:"x"`
}

// Bumped changes incompatibly, with a new version.
//
//mcp:tool version=2
func Bumped(ctx context.Context, in BumpedArgs) (string, error) { return "", nil }

// GreetArgs are greet's arguments.
type GreetArgs struct {
	Name string `json:"name"`
}

// Greet greets.
//
//mcp:prompt
func Greet(ctx context.Context, in GreetArgs) (string, error) { return "", nil }
