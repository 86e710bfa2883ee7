package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// Errors on the wire.
//
// Handlers and middleware return Go errors; clients receive JSON-RPC
// errors. wireError maps the one to the other, for the go-sdk path and the
// fast path alike:
//
//   - a read of a missing resource (an error wrapping ErrResourceNotFound,
//     or go-sdk's mcp.ResourceNotFoundError) gets the "resource not found"
//     error of the request's protocol version, with the handler's message
//     and data {"uri": URI};
//   - any other *jsonrpc.Error (InvalidParams, ...) is sent as it is;
//   - anything else is an internal error, -32603, whose message is the
//     error's text, or with Options.MaskErrors a generic one naming the
//     component (the text is logged; see mask.go), unless it is a
//     *ToolError.

// codeResourceNotFoundLegacy is the "resource not found" code of protocol
// versions up to 2025-11-25; from 2026-07-28 on it is -32602, Invalid
// Params (SEP-2164).
const codeResourceNotFoundLegacy = -32002

// msgResourceNotFound is the message of a "resource not found" error that
// has no handler's message: the URI matches no resource or template.
const msgResourceNotFound = "Resource not found"

// resourceNotFoundCode is the "resource not found" code of a protocol
// version: -32002 up to 2025-11-25, -32602 from 2026-07-28 on (and when the
// version is unknown).
func resourceNotFoundCode(protocolVersion string) int64 {
	if protocolVersion != "" && protocolVersion < statelessVersion {
		return codeResourceNotFoundLegacy
	}
	return jsonrpc.CodeInvalidParams
}

// isResourceNotFound reports whether err says that a resource does not
// exist: it wraps ErrResourceNotFound, or it is the "resource not found"
// JSON-RPC error of any protocol version (from go-sdk's
// mcp.ResourceNotFoundError, or relayed from another server).
func isResourceNotFound(err error) bool {
	if errors.Is(err, ErrResourceNotFound) {
		return true
	}
	var je *jsonrpc.Error
	return errors.As(err, &je) && je.Message == msgResourceNotFound &&
		(je.Code == codeResourceNotFoundLegacy || je.Code == jsonrpc.CodeInvalidParams)
}

// wireError returns the JSON-RPC error a client receives for err, the
// error of answering r in ctx; nil for nil.
func (s *Server) wireError(ctx context.Context, r *Request, err error) *jsonrpc.Error {
	if err == nil {
		return nil
	}
	if r.Method == MethodReadResource && isResourceNotFound(err) {
		return resourceNotFound(r.ProtocolVersion, r.Name, err)
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		if je == err {
			return je
		}
		// Wrapped: the code of the JSON-RPC error and the message of the
		// whole, as go-sdk sends it; under MaskErrors only the JSON-RPC
		// error's own message, since the wrapping may hold anything.
		msg := err.Error()
		if s.opts.MaskErrors {
			s.logMasked(ctx, r, err)
			msg = je.Message
		}
		return &jsonrpc.Error{Code: je.Code, Message: msg, Data: je.Data}
	}
	msg := err.Error()
	if s.opts.MaskErrors {
		if text, shown := clientText(err); shown {
			msg = text
		} else {
			s.logMasked(ctx, r, err)
			msg = maskedMessage(r)
		}
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
}

// resourceNotFound is the "resource not found" error of protocolVersion
// for uri. Its message is the handler's (err's text) when the handler gave
// one, and "Resource not found" otherwise.
func resourceNotFound(protocolVersion, uri string, err error) *jsonrpc.Error {
	msg := msgResourceNotFound
	var je *jsonrpc.Error
	switch {
	case errors.As(err, &je):
		msg = je.Message
	case err != nil && err != ErrResourceNotFound:
		msg = err.Error()
	}
	data := append([]byte(`{"uri":`), codec.AppendString(nil, uri)...)
	return &jsonrpc.Error{
		Code:    resourceNotFoundCode(protocolVersion),
		Message: msg,
		Data:    json.RawMessage(append(data, '}')),
	}
}

// maskedMessage is the message of an internal error under
// Options.MaskErrors: it names the component, and nothing of the error.
func maskedMessage(r *Request) string {
	switch r.Method {
	case MethodCallTool:
		return fmt.Sprintf("tool %q failed", r.Name)
	case MethodReadResource:
		return fmt.Sprintf("resource %q failed", r.Name)
	case MethodGetPrompt:
		return fmt.Sprintf("prompt %q failed", r.Name)
	}
	return "internal error"
}
