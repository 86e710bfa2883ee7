package runtime

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime/debug"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Results are encoded before they leave the runtime. go-sdk encodes a
// result after the handler returned, on its own goroutine: a result that
// panics there (a nil content entry) ended the process, and one that fails
// to encode (structured content that is not JSON) went unanswered. The
// runtime encodes it first, with the panic contained, and sends a tool
// error or an internal error instead of what cannot be sent.

// encodedResult is a tool result that encodes itself with a panic or an
// error contained: go-sdk encodes it (after adding to its _meta, for
// 2026-07-28 clients), and gets the tool error instead of what cannot be
// encoded.
type encodedResult struct {
	mcp.Result
	s    *Server
	tool string
}

func (e *encodedResult) MarshalJSON() ([]byte, error) {
	js, err := marshalContained(e.Result)
	if err == nil {
		return js, nil
	}
	e.s.log.Error("result cannot be encoded", "tool", e.tool, "error", err)
	fallback := unsendable(e.tool)
	if info, ok := e.Result.GetMeta()[mcp.MetaKeyServerInfo]; ok {
		fallback.Meta = mcp.Meta{mcp.MetaKeyServerInfo: info}
	}
	_, typed := e.Result.(*typedCallTool)
	return json.Marshal(resultWithType(fallback, typed, false))
}

// marshalContained is json.Marshal with a panic turned into an error.
func marshalContained(v any) (js []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return json.Marshal(v)
}

// encodeSDK makes the result of a catalogue method safe for go-sdk to
// encode: a tool result encodes itself (encodedResult); a list page that
// is the one the catalogue cached is sent with its cached items
// (preEncodedList), the rest of it checked here; any other result is
// encoded once here, and one that cannot be becomes an internal error.
func (s *Server) encodeSDK(r *Request, res mcp.Result, page *encodedPage) (mcp.Result, error) {
	if r.Method == MethodCallTool {
		return &encodedResult{Result: res, s: s, tool: r.Name}, nil
	}
	check := any(res)
	if pre := page.preEncoded(res); pre != nil {
		res = pre
		check, _, _ = pre.envelope()
	} else if lt, ok := res.(*mcp.ListToolsResult); ok && page != nil && page.tasks != nil && lt != nil {
		res = &toolsWithTasks{lt, page.tasks} // changed by middleware: encoded here, with execution
		check = res
	}
	if _, err := marshalContained(check); err != nil {
		s.log.Error("result cannot be encoded", "method", r.Method, "name", r.Name, "error", err)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("internal error: the result of %s could not be encoded", r)}
	}
	return res, nil
}

// unsendable is the tool error sent for a result that cannot be encoded.
func unsendable(tool string) *CallToolResult {
	return toolFailure("tool %q returned a result that cannot be encoded as JSON (its structured content, or a content entry, is malformed)", tool)
}

// nilContent returns the index of the first nil entry of content (a nil
// interface or a nil pointer in one), or -1.
func nilContent(content []Content) int {
	for i, c := range content {
		if c == nil {
			return i
		}
		if v := reflect.ValueOf(c); v.Kind() == reflect.Pointer && v.IsNil() {
			return i
		}
	}
	return -1
}
