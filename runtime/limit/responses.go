package limit

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ResponseOptions configure Responses.
type ResponseOptions struct {
	// Suffix ends the text of a truncated result; "" means
	// runtime.DefaultTruncationSuffix ("\n\n[Response truncated due to size
	// limit]").
	Suffix string
	// Tools, if not nil, are the only tools whose results are limited, by
	// the names clients call them (after transforms). Nil limits every tool.
	Tools []string
	// Logger receives a warning for each truncated result, naming the tool
	// and the limit. Nil discards them.
	Logger *slog.Logger
}

// Responses returns middleware that bounds the JSON encoding of each tool
// result to maxBytes, with the semantics of FastMCP's
// ResponseLimitingMiddleware: a larger result becomes one text block
// holding its text blocks joined by blank lines, cut on a UTF-8 boundary
// and ended with the suffix; structured content and other blocks are
// dropped (see runtime.TruncateResult, which also keeps Meta and IsError).
// Other methods pass untouched. It fails if maxBytes is not positive.
//
// A tool's own limit, the max_result_bytes annotation
// (runtime.Tool.MaxResultBytes), applies whether or not this middleware is
// installed; the smaller limit wins.
func Responses(maxBytes int, opts *ResponseOptions) (runtime.Middleware, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("limit.Responses: the limit must be a positive number of bytes, not %d", maxBytes)
	}
	var o ResponseOptions
	if opts != nil {
		o = *opts
	}
	var only map[string]bool
	if o.Tools != nil {
		only = make(map[string]bool, len(o.Tools))
		for _, name := range o.Tools {
			only[name] = true
		}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, r *runtime.Request) (mcp.Result, error) {
			res, err := next(ctx, r)
			if err != nil || r.Method != runtime.MethodCallTool || only != nil && !only[r.Name] {
				return res, err
			}
			ctr, ok := res.(*runtime.CallToolResult)
			if !ok {
				return res, err
			}
			if cut, truncated := runtime.TruncateResult(ctr, maxBytes, o.Suffix); truncated {
				log.WarnContext(ctx, "tool result truncated", "tool", r.Name, "max_bytes", maxBytes)
				return cut, nil
			}
			return res, nil
		}
	}, nil
}
