package p

import (
	"context"

	"github.com/mcpgen/mcpgen/runtime"
)

// Logo is not an image.
//
//mcp:tool mime=image/png
func Logo(ctx context.Context) (string, error) { return "", nil }

// Ping only fails or succeeds.
//
//mcp:tool mime=text/plain
func Ping(ctx context.Context) error { return nil }

// Pictures returns content items, each with its own MIME type.
//
//mcp:tool readonly mime=image/png
func Pictures(ctx context.Context) ([]runtime.Content, error) { return nil, nil }
