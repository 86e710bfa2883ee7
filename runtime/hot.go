package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The runtime's own request path.
//
// go-sdk decodes every message it reads with a fresh JSON decoder and runs
// it through its JSON-RPC connection (queues, goroutines, reflection over
// the params and the result), which costs far more than most tools. So on
// the transports where it can (stateless HTTP with JSON responses, stdio,
// stateful streamable HTTP), the runtime answers the hot methods itself:
// it parses the JSON-RPC request with the generated-code decoder into the
// typed params go-sdk would have decoded, builds the go-sdk request go-sdk
// would have built, runs it through the same receiving chain go-sdk runs
// (the observer, the catalogue and its middleware, or go-sdk's own handler
// for ping), and writes the response byte for byte as go-sdk would.
//
// Only a strict subset qualifies: a single, well-formed request of a hot
// method whose every key is one the runtime reads, with plain ids and a
// _meta the runtime understands. Anything else (other methods, batches,
// unknown fields, odd ids, malformed input) goes to go-sdk unchanged, so
// that every error and edge case keeps go-sdk's behaviour. The
// differential tests (fast_test.go, hot_test.go) send the same requests
// down both paths and compare the raw responses.

// hotMethods are the methods the runtime may answer itself.
var hotMethods = map[string]bool{
	MethodCallTool: true, MethodListTools: true,
	MethodListResources: true, MethodListResourceTemplates: true, MethodReadResource: true,
	MethodListPrompts: true, MethodGetPrompt: true,
	MethodComplete: true, "ping": true,
}

// hotMsg is a parsed request of a hot method.
type hotMsg struct {
	id     []byte // the raw JSON id, echoed as is
	key    string // the id as canonicalID keys it
	method string
	params mcp.Params // as go-sdk decodes them: a typed nil pointer when absent
	name   string     // the tool or prompt name, or the resource URI
	modern bool       // a 2026-07-28 request: its _meta carries the SEP-2575 triple
}

// idText is the request's id as Request.ID shows it.
func (m *hotMsg) idText() string { return rawIDText(m.id) }

// parseHot parses body as a single JSON-RPC request of a hot method,
// reporting false for anything outside the subset the runtime answers.
func parseHot(body []byte) (*hotMsg, bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	var d codec.Decoder
	d.Reset(body)
	if d.BeginObject() != nil {
		return nil, false
	}
	m := &hotMsg{}
	var version, hasParams bool
	var params []byte
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return nil, false
		}
		if !more {
			break
		}
		switch string(key) {
		case "jsonrpc":
			s, err := d.ReadString()
			if err != nil || s != "2.0" || version {
				return nil, false
			}
			version = true
		case "id":
			if m.id != nil {
				return nil, false
			}
			k := d.Peek()
			if k != codec.Number && k != codec.String {
				return nil, false
			}
			start := d.Offset()
			if d.Skip() != nil {
				return nil, false
			}
			m.id = bytes.TrimSpace(body[start:d.Offset()])
			if k == codec.Number && !plainInt(m.id) || k == codec.String && !plainString(m.id) {
				return nil, false
			}
		case "method":
			if m.method != "" {
				return nil, false
			}
			s, err := d.ReadString()
			if err != nil || !hotMethods[s] {
				return nil, false
			}
			m.method = s
		case "params":
			if hasParams || d.Peek() != codec.Object {
				return nil, false // "params": null is left to go-sdk
			}
			start := d.Offset()
			if d.Skip() != nil {
				return nil, false
			}
			params, hasParams = bytes.TrimSpace(body[start:d.Offset()]), true
		default:
			return nil, false
		}
	}
	if d.End() != nil || !version || m.method == "" || m.id == nil {
		return nil, false
	}
	var ok bool
	m.key, ok = canonicalID(m.id)
	if !ok {
		return nil, false
	}
	if !hasParams {
		// go-sdk's methods that require params refuse the request.
		m.params, ok = absentParams(m.method)
		return m, ok
	}
	d.Reset(params)
	if !m.parseParams(&d, params) || d.End() != nil {
		return nil, false
	}
	return m, true
}

// absentParams is what go-sdk passes for a method's missing params: a
// typed nil pointer; false for methods that require params.
func absentParams(method string) (mcp.Params, bool) {
	switch method {
	case MethodListTools:
		return (*mcp.ListToolsParams)(nil), true
	case MethodListResources:
		return (*mcp.ListResourcesParams)(nil), true
	case MethodListResourceTemplates:
		return (*mcp.ListResourceTemplatesParams)(nil), true
	case MethodListPrompts:
		return (*mcp.ListPromptsParams)(nil), true
	case "ping":
		return (*mcp.PingParams)(nil), true
	}
	return nil, false
}

// parseParams reads the params object of m's method from data.
func (m *hotMsg) parseParams(d *codec.Decoder, data []byte) bool {
	if d.BeginObject() != nil {
		return false
	}
	var meta mcp.Meta
	var name, uri, cursor string
	var args []byte
	var promptArgs map[string]string
	var hasName, hasURI, hasArgs, hasMeta, hasCursor bool
	var cp mcp.CompleteParams
	var hasRef, hasArgument, hasContext bool
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return false
		}
		if !more {
			break
		}
		k := string(key)
		switch {
		case k == "_meta" && !hasMeta:
			if meta, hasMeta = m.parseMeta(d, data); !hasMeta {
				return false
			}
		case k == "name" && !hasName && (m.method == MethodCallTool || m.method == MethodGetPrompt):
			if name, err = d.ReadString(); err != nil {
				return false
			}
			hasName = true
		case k == "uri" && !hasURI && m.method == MethodReadResource:
			if uri, err = d.ReadString(); err != nil {
				return false
			}
			hasURI = true
		case k == "cursor" && !hasCursor && isList(m.method):
			if cursor, err = d.ReadString(); err != nil {
				return false
			}
			hasCursor = true
		case k == "arguments" && !hasArgs && m.method == MethodCallTool:
			if d.Peek() != codec.Object {
				return false
			}
			if args, err = d.ReadRaw(); err != nil {
				return false
			}
			hasArgs = true
		case k == "arguments" && !hasArgs && m.method == MethodGetPrompt:
			if promptArgs, hasArgs = readStringMap(d); !hasArgs {
				return false
			}
		case k == "ref" && !hasRef && m.method == MethodComplete:
			if cp.Ref, hasRef = readCompleteRef(d); !hasRef {
				return false
			}
		case k == "argument" && !hasArgument && m.method == MethodComplete:
			if !readCompleteArgument(d, &cp.Argument) {
				return false
			}
			hasArgument = true
		case k == "context" && !hasContext && m.method == MethodComplete:
			if d.Peek() == codec.Null {
				d.Skip()
			} else if cp.Context, hasContext = readCompleteContext(d); !hasContext {
				return false
			}
			hasContext = true
		default:
			return false
		}
	}
	switch m.method {
	case MethodCallTool:
		m.name = name
		m.params = &mcp.CallToolParamsRaw{Meta: meta, Name: name, Arguments: args}
	case MethodGetPrompt:
		m.name = name
		m.params = &mcp.GetPromptParams{Meta: meta, Name: name, Arguments: promptArgs}
	case MethodReadResource:
		m.name = uri
		m.params = &mcp.ReadResourceParams{Meta: meta, URI: uri}
	case MethodListTools:
		m.params = &mcp.ListToolsParams{Meta: meta, Cursor: cursor}
	case MethodListResources:
		m.params = &mcp.ListResourcesParams{Meta: meta, Cursor: cursor}
	case MethodListResourceTemplates:
		m.params = &mcp.ListResourceTemplatesParams{Meta: meta, Cursor: cursor}
	case MethodListPrompts:
		m.params = &mcp.ListPromptsParams{Meta: meta, Cursor: cursor}
	case MethodComplete:
		if !hasRef {
			return false
		}
		cp.Meta = meta
		m.params = &cp
	case "ping":
		if hasMeta {
			return false
		}
		m.params = &mcp.PingParams{}
	}
	return true
}

func isList(method string) bool {
	switch method {
	case MethodListTools, MethodListResources, MethodListResourceTemplates, MethodListPrompts:
		return true
	}
	return false
}

// metaPrefix starts the keys of _meta the protocol reserves.
const metaPrefix = "io.modelcontextprotocol/"

// parseMeta reads the _meta of a request as go-sdk decodes it, into
// encoding/json's types. Besides the keys any request may carry
// (progressToken, trace context, mcpgen's own), it accepts exactly the
// SEP-2575 triple of a 2026-07-28 request, in the shapes go-sdk accepts;
// any other key of the protocol's (a log level, a version go-sdk would
// refuse) is left to go-sdk.
func (m *hotMsg) parseMeta(d *codec.Decoder, data []byte) (mcp.Meta, bool) {
	if d.Peek() != codec.Object {
		return nil, false
	}
	start := d.Offset()
	v, err := d.ReadAny()
	if err != nil || bytes.IndexByte(data[start:d.Offset()], '\\') >= 0 {
		return nil, false // escapes: left to go-sdk's decoder
	}
	meta := mcp.Meta(v.(map[string]any))
	if t, ok := meta["progressToken"]; ok {
		switch t.(type) {
		case string, float64:
		default:
			return nil, false
		}
	}
	var triple int
	for k, v := range meta {
		rest, reserved := strings.CutPrefix(k, metaPrefix)
		if !reserved {
			continue
		}
		switch rest {
		case "protocolVersion":
			if s, _ := v.(string); s != statelessVersion {
				return nil, false
			}
		case "clientInfo":
			if !plainClientInfo(v) {
				return nil, false
			}
		case "clientCapabilities":
			caps, ok := v.(map[string]any)
			if !ok || len(caps) > 0 && !decodableCapabilities(caps) {
				return nil, false
			}
		default:
			return nil, false
		}
		triple++
	}
	switch triple {
	case 0:
	case 3:
		m.modern = true
	default:
		return nil, false
	}
	return meta, true
}

// plainClientInfo reports whether v is client info go-sdk decodes:
// {"name": string, "version": string} with optional title and websiteUrl.
func plainClientInfo(v any) bool {
	info, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range info {
		switch k {
		case "name", "version", "title", "websiteUrl":
			if _, ok := v.(string); !ok {
				return false
			}
		default:
			return false
		}
	}
	_, name := info["name"]
	_, version := info["version"]
	return name && version
}

// decodableCapabilities reports whether client capabilities decode into
// go-sdk's type, as go-sdk decodes them before answering.
func decodableCapabilities(caps map[string]any) bool {
	js, err := json.Marshal(caps)
	return err == nil && decodeCapabilities(js) != nil
}

// readStringMap reads {"k": "v", ...} or null (a nil map).
func readStringMap(d *codec.Decoder) (map[string]string, bool) {
	if d.ReadNull() {
		return nil, true
	}
	if d.BeginObject() != nil {
		return nil, false
	}
	out := map[string]string{}
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return nil, false
		}
		if !more {
			return out, true
		}
		if d.Peek() != codec.String {
			return nil, false
		}
		v, err := d.ReadString()
		if err != nil {
			return nil, false
		}
		out[string(key)] = v
	}
}

// readCompleteRef reads a completion reference go-sdk accepts: a prompt by
// name or a resource by URI.
func readCompleteRef(d *codec.Decoder) (*mcp.CompleteReference, bool) {
	if d.BeginObject() != nil {
		return nil, false
	}
	ref := &mcp.CompleteReference{}
	var typ, name, uri bool
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return nil, false
		}
		if !more {
			break
		}
		var s string
		if s, err = d.ReadString(); err != nil {
			return nil, false
		}
		switch k := string(key); {
		case k == "type" && !typ:
			ref.Type, typ = s, true
		case k == "name" && !name:
			ref.Name, name = s, true
		case k == "uri" && !uri:
			ref.URI, uri = s, true
		default:
			return nil, false
		}
	}
	switch ref.Type {
	case "ref/prompt":
		return ref, ref.URI == ""
	case "ref/resource":
		return ref, ref.Name == ""
	}
	return nil, false
}

func readCompleteArgument(d *codec.Decoder, a *mcp.CompleteParamsArgument) bool {
	if d.BeginObject() != nil {
		return false
	}
	var name, value bool
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return false
		}
		if !more {
			return true
		}
		var s string
		if s, err = d.ReadString(); err != nil {
			return false
		}
		switch k := string(key); {
		case k == "name" && !name:
			a.Name, name = s, true
		case k == "value" && !value:
			a.Value, value = s, true
		default:
			return false
		}
	}
}

func readCompleteContext(d *codec.Decoder) (*mcp.CompleteContext, bool) {
	if d.BeginObject() != nil {
		return nil, false
	}
	c := &mcp.CompleteContext{}
	var args bool
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return nil, false
		}
		if !more {
			return c, true
		}
		if string(key) != "arguments" || args {
			return nil, false
		}
		if c.Arguments, args = readStringMap(d); !args {
			return nil, false
		}
	}
}

// sdkRequest is the go-sdk request go-sdk would have built for m.
func (m *hotMsg) sdkRequest(ss *mcp.ServerSession, extra *mcp.RequestExtra) mcp.Request {
	switch p := m.params.(type) {
	case *mcp.CallToolParamsRaw:
		return &mcp.CallToolRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.ListToolsParams:
		return &mcp.ListToolsRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.ListResourcesParams:
		return &mcp.ListResourcesRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.ListResourceTemplatesParams:
		return &mcp.ListResourceTemplatesRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.ReadResourceParams:
		return &mcp.ReadResourceRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.ListPromptsParams:
		return &mcp.ListPromptsRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.GetPromptParams:
		return &mcp.GetPromptRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.CompleteParams:
		return &mcp.CompleteRequest{Session: ss, Params: p, Extra: extra}
	case *mcp.PingParams:
		return &mcp.ServerRequest[*mcp.PingParams]{Session: ss, Params: p, Extra: extra}
	}
	panic(fmt.Sprintf("runtime: no go-sdk request for %T", m.params))
}

// serveHot runs m through the receiving chain go-sdk runs (s.recv: the
// observer, the catalogue and its middleware, go-sdk's own handler for
// ping) and returns the JSON-RPC response go-sdk would write, without a
// trailing newline, and the error it carries (nil for a result).
func (s *Server) serveHot(ctx context.Context, m *hotMsg, req mcp.Request) ([]byte, *jsonrpc.Error) {
	s.hotServed.Add(1)
	wire, err := s.recv(ctx, m.method, req)
	return s.appendResponse(make([]byte, 0, 512), m, wire, err)
}

// appendResponse appends the JSON-RPC response go-sdk writes for the
// result wire (as the receiving chain returned it) or the error err, and
// returns the error it sent.
func (s *Server) appendResponse(b []byte, m *hotMsg, wire mcp.Result, err error) ([]byte, *jsonrpc.Error) {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, m.id...)
	head := len(b)
	if err == nil && wire == nil {
		err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("internal error: %s returned no result", m.method)}
	}
	if err == nil {
		var encErr error
		if b, encErr = s.appendResult(b, m, wire); encErr == nil {
			return append(b, '}'), nil
		}
		s.log.Error("result cannot be encoded", "method", m.method, "name", m.name, "error", encErr)
		b = b[:head]
		err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("internal error: the result of %s could not be encoded", m.method)}
	}
	je := toWireError(err)
	b = append(b, `,"error":`...)
	js, _ := encodeJSON(je)
	b = append(b, js...)
	return append(b, '}'), je
}

// toWireError is the JSON-RPC error go-sdk sends for err.
func toWireError(err error) *jsonrpc.Error {
	if je, ok := err.(*jsonrpc.Error); ok {
		return je
	}
	out := &jsonrpc.Error{Message: err.Error()}
	var wrapped *jsonrpc.Error
	if errors.As(err, &wrapped) {
		out.Code = wrapped.Code
	}
	return out
}

// appendResult appends ,"result":{...}: a plain tool result by the
// reflection-free encoder, anything else as go-sdk encodes it (after what
// go-sdk adds to a 2026-07-28 result: its resultType and the server's info
// in _meta).
func (s *Server) appendResult(b []byte, m *hotMsg, wire mcp.Result) ([]byte, error) {
	if er, ok := wire.(*encodedResult); ok {
		ctr, _ := er.Result.(*CallToolResult)
		typed := false
		if tc, ok := er.Result.(*typedCallTool); ok && tc.rt == "complete" {
			ctr, typed = tc.CallToolResult, true
		}
		if ctr != nil && typed == m.modern {
			if out, ok := s.appendPlainResult(b, ctr, m.modern); ok {
				return out, nil
			}
		}
	}
	if pre, ok := wire.(preEncodedList); ok {
		// A cached list page: its envelope encoded, the page's items
		// written in place, as splice does, straight into the response.
		if m.modern {
			s.asModern(wire)
		}
		env, field, items := pre.envelope()
		if js, err := encodeJSON(env); err == nil && bytes.HasSuffix(js, []byte(`"`+field+`":[]}`)) {
			b = slices.Grow(b, len(`,"result":`)+len(js)+len(items)+2) // and the caller's '}' and newline
			b = append(b, `,"result":`...)
			b = append(b, js[:len(js)-3]...)
			b = append(b, items...)
			return append(b, '}'), nil
		}
	}
	return s.appendEncoded(b, wire, m.modern)
}

// appendEncoded appends ,"result":{...} for any result, encoded as go-sdk
// encodes it.
func (s *Server) appendEncoded(b []byte, wire mcp.Result, modern bool) ([]byte, error) {
	if modern {
		wire = s.asModern(wire)
	}
	js, err := encodeJSON(wire)
	if err != nil {
		return b, err
	}
	b = append(b, `,"result":`...)
	return append(b, js...), nil
}

// asModern does to a 2026-07-28 result what go-sdk does before sending
// it: a complete result says so in its resultType, and the result names
// the server in _meta unless it does already.
func (s *Server) asModern(res mcp.Result) mcp.Result {
	switch r := res.(type) {
	case *mcp.ListToolsResult:
		r.ResultType = "complete"
	case *mcp.ListResourcesResult:
		r.ResultType = "complete"
	case *mcp.ListResourceTemplatesResult:
		r.ResultType = "complete"
	case *mcp.ListPromptsResult:
		r.ResultType = "complete"
	case *mcp.CompleteResult:
		r.ResultType = "complete"
	case *preTools:
		r.ResultType = "complete"
	case *preResources:
		r.ResultType = "complete"
	case *preTemplates:
		r.ResultType = "complete"
	case *prePrompts:
		r.ResultType = "complete"
	}
	if s.impl != nil {
		meta := res.GetMeta()
		if meta == nil {
			meta = map[string]any{}
		}
		if _, ok := meta[mcp.MetaKeyServerInfo]; !ok {
			meta[mcp.MetaKeyServerInfo] = s.impl
			res.SetMeta(meta)
		}
	}
	return res
}

// Notifications of a call the runtime answers itself.
//
// go-sdk sends a call's progress and log notifications on the stream of
// the call: over stdio the one stream, over stateful HTTP the call's SSE
// response. Where the runtime writes the call's response itself (an SSE
// response), it writes them there too; elsewhere they go through the
// session as before.

// callNotes is where the notifications of a call go when not through its
// go-sdk session.
type callNotes struct {
	// send writes a notification on the call's stream; nil sends through
	// the session.
	send func(method string, params mcp.Params) error
	// level is the session's log level; "" sends no log messages.
	level mcp.LoggingLevel
}

type notesKey struct{}

func withNotes(ctx context.Context, n *callNotes) context.Context {
	return context.WithValue(ctx, notesKey{}, n)
}

func notesFrom(ctx context.Context) *callNotes {
	n, _ := ctx.Value(notesKey{}).(*callNotes)
	return n
}

// logLevels orders the MCP log levels, as go-sdk compares them (an
// unknown level counts as debug).
var logLevels = map[mcp.LoggingLevel]int{"debug": 0, "info": 1, "notice": 2, "warning": 3, "error": 4, "critical": 5, "alert": 6, "emergency": 7}

// logs reports whether a message at level passes the session's level.
func (n *callNotes) logs(level mcp.LoggingLevel) bool {
	return n.level != "" && logLevels[level] >= logLevels[n.level]
}

// appendNotification appends a JSON-RPC notification as go-sdk writes it.
func appendNotification(b []byte, method string, params mcp.Params) ([]byte, error) {
	js, err := encodeJSON(params)
	if err != nil {
		return b, err
	}
	b = append(b, `{"jsonrpc":"2.0","method":`...)
	b = codec.AppendString(b, method)
	b = append(b, `,"params":`...)
	b = append(b, js...)
	return append(b, '}'), nil
}
