package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"go.opentelemetry.io/otel/trace"
)

// Error masking (Options.MaskErrors).
//
// What a client is told of a failure, with MaskErrors set:
//
//   - a tool that returns an error (generated code turns it into a result
//     with ErrorResult) gets an error result whose text only names the
//     tool, `tool "x" failed`; a panic, `tool "x" failed with an internal
//     error`;
//   - a resource, prompt or completion handler or middleware that returns
//     an error that is not a JSON-RPC error gets the internal error
//     -32603 with a message that only names the component;
//   - an error marked for the client, a *ToolError, is shown whatever the
//     option (its own text), as are JSON-RPC errors (InvalidParams), a
//     missing resource, results a tool built itself (TextResult with
//     IsError, say) and the runtime's own messages (invalid arguments, a
//     timeout, a refused call).
//
// Everything masked is logged at the boundary, with the real error, the
// request and the trace and span ids of the request's span when there is
// one. Middleware sees the errors unmasked.

// ToolError is an error whose text is meant for the client: returned by a
// tool (or a resource, prompt or completion handler, or middleware), it is
// shown even with Options.MaskErrors, as FastMCP shows a ToolError. Make
// one with ToolErrorf; wrapped in another error it still counts, and the
// client is shown the ToolError's own text.
type ToolError struct{ err error }

// ToolErrorf returns a *ToolError whose text is fmt.Sprintf(format,
// args...); %w wraps an error, as with fmt.Errorf, so that errors.Is and
// errors.As see through it:
//
//	if !found {
//		return Report{}, runtime.ToolErrorf("no city named %q; try a larger one nearby", in.City)
//	}
func ToolErrorf(format string, args ...any) error {
	return &ToolError{err: fmt.Errorf(format, args...)}
}

func (e *ToolError) Error() string { return e.err.Error() }

// Unwrap returns the error ToolErrorf wrapped, if any.
func (e *ToolError) Unwrap() error { return errors.Unwrap(e.err) }

// clientText reports whether err is meant for the client even under
// MaskErrors, and the text to show.
func clientText(err error) (string, bool) {
	var te *ToolError
	if errors.As(err, &te) {
		return te.Error(), true
	}
	// A JSON-RPC error or a missing resource wrapped in the handler's own
	// words shows only its own message: the wrapping may hold anything.
	var je *jsonrpc.Error
	switch {
	case errors.As(err, &je):
		return je.Message, true
	case errors.Is(err, ErrResourceNotFound):
		return msgResourceNotFound, true
	case errors.Is(err, ErrInputRequired) || errors.Is(err, ErrMissingCapability):
		return err.Error(), true // the runtime's own words
	}
	return "", false
}

// maskResult returns the tool error result the client is sent for res,
// under MaskErrors: the text of an error the tool returned replaced by a
// message naming the tool, or by the text of a *ToolError.
func (s *Server) maskResult(ctx context.Context, r *Request, res *CallToolResult) *CallToolResult {
	if !s.opts.MaskErrors || res == nil || !res.IsError {
		return res
	}
	err := res.GetError()
	var cut *truncatedError
	if err == nil || !showsText(res, err.Error()) && !errors.As(err, &cut) {
		return res // built by the tool itself: its content is what it means to say
	}
	text, shown := clientText(err)
	if shown && text == err.Error() {
		return res
	}
	if !shown {
		s.logMasked(ctx, r, err)
		text = maskedMessage(r)
	}
	out := &CallToolResult{Meta: res.Meta, Content: []Content{&TextContent{Text: text}}, IsError: true}
	return out
}

// showsText reports whether a text block of res is text.
func showsText(res *CallToolResult, text string) bool {
	for _, c := range res.Content {
		if tc, ok := c.(*TextContent); ok && tc != nil && tc.Text == text {
			return true
		}
	}
	return false
}

// logMasked logs an error kept from the client.
func (s *Server) logMasked(ctx context.Context, r *Request, err error) {
	args := []any{"method", r.Method, "name", r.Name, "error", err}
	if r.SessionID != "" {
		args = append(args, "session", r.SessionID)
	}
	s.log.ErrorContext(ctx, "error masked from the client", append(args, traceAttrs(ctx)...)...)
}

// traceAttrs returns the log attributes naming the span of ctx (an
// OpenTelemetry span: runtime/otel's, or one the caller started), none
// without one.
func traceAttrs(ctx context.Context) []any {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []any{"trace_id", sc.TraceID().String(), "span_id", sc.SpanID().String()}
}
