package runtime

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Outcomes of a request in the access log.
const (
	OutcomeOK            = "ok"             // answered with a result
	OutcomeToolError     = "tool_error"     // a tool result with isError
	OutcomeInputRequired = "input_required" // the handler asked the client for input
	OutcomeError         = "error"          // a JSON-RPC error
)

// AccessLog returns middleware that logs one record per request to log,
// at level Info, after the request is answered:
//
//	{"level":"INFO","msg":"mcp request","method":"tools/call","name":"forecast","duration":1.2e6,
//	 "outcome":"ok","session":"4NZP...","trace_id":"4bf9...","span_id":"00f0..."}
//
// with "code" and "error" when the outcome is an error (the real error, as
// the handler returned it, never masked: the log is the server's), and
// "protocol" when the request's protocol version is known. "name" is the
// tool or prompt name or the resource URI, absent for lists; "session" is
// absent for a sessionless request; the trace and span ids are those of
// the request's OpenTelemetry span, if it has one. Options.AccessLog
// installs it around the whole request, before the component is resolved,
// so that calls of unknown tools and reads of missing resources are logged
// too; installed with Use it logs what reaches it.
func AccessLog(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, r *Request) (mcp.Result, error) {
			start := time.Now()
			res, err := next(ctx, r)
			logAccess(ctx, log, r, time.Since(start), res, err)
			return res, err
		}
	}
}

// logAccess writes the access log record of one request.
func logAccess(ctx context.Context, log *slog.Logger, r *Request, d time.Duration, res mcp.Result, err error) {
	if !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("method", r.Method))
	if r.Name != "" {
		attrs = append(attrs, slog.String("name", r.Name))
	}
	attrs = append(attrs, slog.Duration("duration", d))
	switch {
	case r.pendingInput() != nil:
		attrs = append(attrs, slog.String("outcome", OutcomeInputRequired))
	case err != nil:
		attrs = append(attrs, slog.String("outcome", OutcomeError), slog.Int64("code", errorCode(r, err)), slog.String("error", err.Error()))
	default:
		if ctr, ok := res.(*CallToolResult); ok && ctr != nil && ctr.IsError {
			attrs = append(attrs, slog.String("outcome", OutcomeToolError))
		} else {
			attrs = append(attrs, slog.String("outcome", OutcomeOK))
		}
	}
	if r.SessionID != "" {
		attrs = append(attrs, slog.String("session", r.SessionID))
	}
	if r.ProtocolVersion != "" {
		attrs = append(attrs, slog.String("protocol", r.ProtocolVersion))
	}
	for a := traceAttrs(ctx); len(a) >= 2; a = a[2:] {
		attrs = append(attrs, slog.String(a[0].(string), a[1].(string)))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "mcp request", attrs...)
}

// errorCode is the JSON-RPC code a client receives for err (see
// wireError), without the side effects of sending it.
func errorCode(r *Request, err error) int64 {
	if r.Method == MethodReadResource && isResourceNotFound(err) {
		return resourceNotFoundCode(r.ProtocolVersion)
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je.Code
	}
	return jsonrpc.CodeInternalError
}
