package p

import (
	"context"
	"time"
)

// Args are the arguments.
type Args struct {
	Since time.Time     `json:"since,omitzero" mcp:"default=yesterday"`
	Every time.Duration `json:"every,omitempty" mcp:"default=5 minutes"`
	Until time.Time     `json:"until,omitzero" mcp:"default=2026-01-02T15:04:05Z"`
	Wait  time.Duration `json:"wait,omitempty" mcp:"default=1m30s"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
