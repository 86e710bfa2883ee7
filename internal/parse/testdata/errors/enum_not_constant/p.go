package p

import "context"

// Units are units of measure.
type Units string

// The units.
const (
	Metric   Units = "metric"
	Imperial Units = "imperial"
)

// Args are the arguments.
type Args struct {
	Units   Units `json:"units" mcp:"enum=metric|kelvin"`
	Default Units `json:"default,omitempty" mcp:"default=celsius"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
