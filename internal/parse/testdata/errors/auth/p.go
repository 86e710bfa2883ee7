package p

import (
	"context"

	"github.com/mcpgen/mcpgen/runtime"
)

// IsAdmin is a check with the right signature.
func IsAdmin(ctx context.Context, p *runtime.Principal, c runtime.ComponentInfo) error { return nil }

// NoError is a check without an error result.
func NoError(ctx context.Context, p *runtime.Principal, c runtime.ComponentInfo) bool { return true }

// ByValue takes the principal by value.
func ByValue(ctx context.Context, p runtime.Principal, c runtime.ComponentInfo) error { return nil }

// NotAFunc is a variable.
var NotAFunc = IsAdmin

// Get has checks that do not exist or are wrong.
//
//mcp:tool auth=IsAdmn auth=NoError auth=ByValue auth=NotAFunc auth=IsAdmin
func Get(ctx context.Context) (string, error) { return "", nil }

// Read has malformed checks.
//
//mcp:resource uri=notes://x auth=scope: auth=scope:a,,b auth=role:admin auth=a.b
func Read(ctx context.Context) (string, error) { return "", nil }

// Ask has a check that names nothing.
//
//mcp:prompt auth
func Ask(ctx context.Context) (string, error) { return "", nil }
