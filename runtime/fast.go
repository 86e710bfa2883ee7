package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The hot path.
//
// go-sdk spends most of a stateless tools/call on its own JSON decoding
// (see bench/results.md). On a stateless server with JSON responses, the
// runtime therefore answers the common case of tools/call itself: it parses
// the JSON-RPC request with the generated-code decoder, runs the same
// middleware chain and handler as go-sdk would, and writes the same
// response. Only a strict subset qualifies: a well-formed single request
// whose headers, _meta and tool are all as expected. Anything else
// (other methods, batches, progress tokens, unknown fields, unknown tools,
// malformed input, any header go-sdk would reject) goes to go-sdk
// unchanged, so that every error and edge case keeps go-sdk's behaviour.
// TestFastPathMatchesGoSDK sends the same requests down both paths and
// compares the responses.

// maxFastBody is the largest request body the fast path buffers; larger
// ones go to go-sdk.
const maxFastBody = 1 << 20

// legacyVersions are the protocol versions before the stateless core that
// go-sdk v1.8 negotiates.
var legacyVersions = map[string]bool{"2024-11-05": true, "2025-03-26": true, "2025-06-18": true, "2025-11-25": true}

const statelessVersion = "2026-07-28"

// fastHandler serves eligible tools/call requests itself and hands the
// rest to go-sdk's streamable HTTP handler.
type fastHandler struct {
	s      *Server
	next   http.Handler
	served atomic.Int64 // calls answered by the fast path, for tests

	// meta is the _meta of a 2026-07-28 result, naming the server.
	metaOnce sync.Once
	meta     []byte
	metaErr  error
}

// fastCall is a parsed tools/call request.
type fastCall struct {
	id     []byte // the raw JSON id, echoed as is
	name   string
	args   []byte
	modern bool // a 2026-07-28 request
	meta   bool // the _meta triple of a 2026-07-28 request was present
	client *Implementation
	caps   []byte // the raw client capabilities of a 2026-07-28 request
	// trace holds the trace context keys of _meta (traceparent, tracestate,
	// baggage), nil without them.
	trace map[string]any
}

func (h *fastHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ContentLength > maxFastBody {
		h.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFastBody+1))
	if err != nil || len(body) > maxFastBody {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		h.next.ServeHTTP(w, r)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !h.serveBody(w, r, body) {
		h.next.ServeHTTP(w, r)
	}
}

// serveBody answers r, whose body has been read, if it is eligible, and
// reports whether it did; if not, r is untouched for go-sdk.
func (h *fastHandler) serveBody(w http.ResponseWriter, r *http.Request, body []byte) bool {
	version := r.Header.Get("Mcp-Protocol-Version")
	modern := version == statelessVersion
	if r.Method != http.MethodPost || !(modern || legacyVersions[version]) || !plainJSON(r.Header.Get("Content-Type")) ||
		!acceptsBoth(r.Header.Values("Accept")) || rebinding(r) || len(body) > maxFastBody {
		return false
	}
	call, ok := parseToolsCall(body, modern)
	if !ok || modern && (r.Header.Get("Mcp-Method") != MethodCallTool || r.Header.Get("Mcp-Name") != call.name) {
		return false
	}
	req := h.s.fastRequest(r, call)
	ctx := r.Context()
	snap := h.s.snapshot(ctx)
	req.setView(snap, h.s.sessionRules(ctx, req), h.s.authzFor(ctx, req, snap))
	if t := req.view.tool(call.name, ""); t == nil || req.view.snap.paramHeaders[t] != nil {
		// go-sdk answers with the unknown-tool error; the guard checks
		// the Mcp-Param headers of tools that have them on the way there.
		return false
	}
	h.served.Add(1)
	if h.s.opts.Observer != nil {
		var done func(mcp.Result, error)
		if ctx, done = h.s.observeMessage(ctx, req); done != nil {
			res, err := h.serveCall(w, ctx, call, req)
			h.s.observed(ctx, done, res, err)
			return true
		}
	}
	h.serveCall(w, ctx, call, req)
	return true
}

// fastRequest builds the transport-neutral request of a fast-path call.
func (s *Server) fastRequest(r *http.Request, call *fastCall) *Request {
	req := newRequest(MethodCallTool)
	req.Name, req.Arguments, req.Header = call.name, call.args, r.Header
	req.ID, req.Transport, req.HTTPRequest = rawIDText(call.id), TransportHTTP, r
	req.ProtocolVersion = r.Header.Get("Mcp-Protocol-Version")
	req.Meta = call.trace // parsed only as far as the fast path needs
	if call.modern {
		req.ClientInfo = call.client
		req.ClientCapabilities = fastCapabilities(call.caps)
		if req.Meta == nil {
			req.Meta = map[string]any{}
		}
	}
	req.Principal = PrincipalFrom(r.Context())
	s.authenticate(req)
	if s.opts.SessionKey != nil {
		req.SessionID = s.opts.SessionKey(req)
	} else {
		req.SessionID = req.Principal.Key() // sessionless: the principal's own state
	}
	return req
}

// serveCall runs the call through the middleware chain and writes the
// JSON-RPC response exactly as go-sdk would. It returns what it sent: the
// result, or the JSON-RPC error.
func (h *fastHandler) serveCall(w http.ResponseWriter, ctx context.Context, call *fastCall, req *Request) (mcp.Result, error) {
	res, pending, state, err := h.answerContained(ctx, req)
	var result *CallToolResult
	switch {
	case pending != nil && call.modern:
		result = &CallToolResult{InputRequests: pending, RequestState: state}
	case pending != nil:
		err = inputUnavailable(req, pending)
	case err == nil:
		var ok bool
		if result, ok = res.(*CallToolResult); !ok || result == nil {
			h.s.log.Error("middleware returned the wrong result", "tool", call.name, "type", fmt.Sprintf("%T", res))
			err = fmt.Errorf("internal error: tool %q produced no tool result", call.name)
		} else {
			result = h.s.maskResult(ctx, req, result)
		}
	}
	b := make([]byte, 0, 512)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, call.id...)
	status := http.StatusOK
	if err == nil {
		var encErr error
		if b, encErr = h.appendResult(b, result, call.modern); encErr != nil {
			h.s.log.Error("result cannot be encoded", "method", MethodCallTool, "name", call.name, "error", encErr)
			b = b[:len(`{"jsonrpc":"2.0","id":`)+len(call.id)]
			b, err = h.appendResult(b, unsendable(call.name), call.modern)
		}
	}
	var sent error
	if err != nil {
		je := h.s.wireError(ctx, req, err)
		b = appendError(b, je)
		if call.modern {
			status = errorStatus(je.Code)
		}
		result, sent = nil, je
	}
	b = append(b, '}')
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-cache, no-transform")
	w.WriteHeader(status)
	w.Write(b)
	if result == nil {
		return nil, sent
	}
	return result, sent
}

// answerContained is Server.answer with a panic (in middleware, say)
// turned into the internal error go-sdk's path answers with.
func (h *fastHandler) answerContained(ctx context.Context, req *Request) (res mcp.Result, pending mcp.InputRequestMap, state string, err error) {
	defer func() {
		if v := recover(); v != nil {
			h.s.log.ErrorContext(ctx, "request panicked", append([]any{"method", req.Method, "panic", v, "stack", string(debug.Stack())}, traceAttrs(ctx)...)...)
			msg := fmt.Sprintf("internal error: %v", v)
			if h.s.opts.MaskErrors {
				msg = "internal error"
			}
			res, pending, state, err = nil, nil, "", &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
		}
	}()
	return h.s.answer(ctx, req, "", nil)
}

// errorStatus is the HTTP status of a 2026-07-28 error response (SEP-2575):
// 404 for an unknown method, 400 for invalid params, 200 otherwise.
func errorStatus(code int64) int {
	switch code {
	case jsonrpc.CodeMethodNotFound:
		return http.StatusNotFound
	case jsonrpc.CodeInvalidParams, mcp.CodeUnsupportedProtocolVersion, mcp.CodeMissingRequiredClientCapabilities:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// fastCapabilities decodes the client capabilities of a fast-path call;
// the common "{}" costs no decoding.
func fastCapabilities(raw []byte) *mcp.ClientCapabilities {
	if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "{}" {
		return &mcp.ClientCapabilities{}
	}
	if caps := decodeCapabilities(raw); caps != nil {
		return caps
	}
	return &mcp.ClientCapabilities{}
}

// appendResult appends ,"result":{...}. 2026-07-28 results name the server
// in _meta and say their resultType, as go-sdk's do.
func (h *fastHandler) appendResult(b []byte, res *CallToolResult, modern bool) ([]byte, error) {
	if out, ok := h.appendPlainResult(b, res, modern); ok {
		return out, nil
	}
	return h.appendMarshalled(b, res, modern)
}

// appendMarshalled is appendResult for any result, through json.Marshal.
func (h *fastHandler) appendMarshalled(b []byte, res *CallToolResult, modern bool) ([]byte, error) {
	if modern {
		cp := *res
		meta := make(map[string]any, len(res.Meta)+1)
		for k, v := range res.Meta {
			meta[k] = v
		}
		if _, ok := meta[mcp.MetaKeyServerInfo]; !ok {
			meta[mcp.MetaKeyServerInfo] = h.s.impl
		}
		cp.Meta = meta
		res = &cp
	}
	js, err := marshalContained(res)
	if err != nil {
		return b, err
	}
	b = append(b, `,"result":`...)
	if !modern {
		return append(b, js...), nil
	}
	rt := `"resultType":"complete"`
	if res.InputRequests != nil {
		rt = `"resultType":"input_required"`
	}
	b = append(b, js[:len(js)-1]...)
	if len(js) > 2 {
		b = append(b, ',')
	}
	b = append(b, rt...)
	return append(b, '}'), nil
}

// appendPlainResult appends ,"result":{...} for the common shape of a
// result, text content and structured content from a generated encoder,
// byte for byte as appendResult's json.Marshal would, without reflection.
// It reports false for any other shape.
func (h *fastHandler) appendPlainResult(b []byte, res *CallToolResult, modern bool) ([]byte, bool) {
	if len(res.Meta) > 0 || res.InputRequests != nil || res.RequestState != "" {
		return b, false
	}
	var structured json.RawMessage
	switch sc := res.StructuredContent.(type) {
	case nil:
	case json.RawMessage:
		if !verbatimJSON(sc) {
			return b, false
		}
		structured = sc
	default:
		return b, false
	}
	for _, c := range res.Content {
		if tc, ok := c.(*TextContent); !ok || tc == nil || tc.Meta != nil || tc.Annotations != nil {
			return b, false
		}
	}
	var meta []byte
	if modern {
		h.metaOnce.Do(func() {
			h.meta, h.metaErr = json.Marshal(map[string]any{mcp.MetaKeyServerInfo: h.s.impl})
		})
		if h.metaErr != nil {
			return b, false
		}
		meta = h.meta
	}
	b = append(b, `,"result":{`...)
	if meta != nil {
		b = append(b, `"_meta":`...)
		b = append(b, meta...)
		b = append(b, ',')
	}
	b = append(b, `"content":`...)
	if res.Content == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range res.Content {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":"text","text":`...)
			b = codec.AppendString(b, c.(*TextContent).Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if structured != nil {
		b = append(b, `,"structuredContent":`...)
		b = append(b, structured...)
	}
	if res.IsError {
		b = append(b, `,"isError":true`...)
	}
	if modern {
		b = append(b, `,"resultType":"complete"`...)
	}
	return append(b, '}'), true
}

// verbatimJSON reports whether encoding/json would write raw unchanged: it
// is valid, compact, and holds nothing that json.Marshal escapes (<, >, &,
// U+2028, U+2029). Generated encoders write such JSON.
func verbatimJSON(raw []byte) bool {
	if len(raw) == 0 || !json.Valid(raw) {
		return false
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && (raw[i+2] == 0xA8 || raw[i+2] == 0xA9):
			return false
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

// appendError appends ,"error":{...} for je, as go-sdk writes it.
func appendError(b []byte, je *jsonrpc.Error) []byte {
	b = append(b, `,"error":{"code":`...)
	b = codec.AppendInt(b, je.Code)
	b = append(b, `,"message":`...)
	b = codec.AppendString(b, je.Message)
	if len(je.Data) > 0 {
		var data bytes.Buffer
		if json.Compact(&data, je.Data) == nil {
			b = append(b, `,"data":`...)
			b = append(b, data.Bytes()...)
		}
	}
	return append(b, '}')
}

// parseToolsCall parses a single JSON-RPC tools/call request, reporting
// false for anything outside the fast path's subset.
func parseToolsCall(body []byte, modern bool) (*fastCall, bool) {
	var d codec.Decoder
	d.Reset(body)
	if d.BeginObject() != nil {
		return nil, false
	}
	call := &fastCall{modern: modern}
	var version, method bool
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
			if err != nil || s != "2.0" {
				return nil, false
			}
			version = true
		case "id":
			k := d.Peek()
			if k != codec.Number && k != codec.String {
				return nil, false
			}
			if call.id, err = d.ReadRaw(); err != nil || k == codec.Number && !plainInt(call.id) || k == codec.String && !plainString(call.id) {
				return nil, false
			}
		case "method":
			s, err := d.ReadString()
			if err != nil || s != MethodCallTool {
				return nil, false
			}
			method = true
		case "params":
			if !parseParams(&d, call) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if d.End() != nil || !version || !method || call.id == nil || call.name == "" || modern && !call.meta {
		return nil, false
	}
	return call, true
}

func parseParams(d *codec.Decoder, call *fastCall) bool {
	if d.BeginObject() != nil {
		return false
	}
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return false
		}
		if !more {
			return true
		}
		switch string(key) {
		case "name":
			if call.name, err = d.ReadString(); err != nil {
				return false
			}
		case "arguments":
			if d.Peek() != codec.Object {
				return false
			}
			if call.args, err = d.ReadRaw(); err != nil {
				return false
			}
		case "_meta":
			if !parseMeta(d, call) {
				return false
			}
			call.meta = call.modern
		default:
			return false
		}
	}
}

// parseMeta accepts the _meta of a call: for a 2026-07-28 call exactly
// the SEP-2575 triple (protocol version, client info and client
// capabilities), and for any call the W3C trace context keys (traceparent,
// tracestate, baggage), which observers read.
func parseMeta(d *codec.Decoder, call *fastCall) bool {
	if d.BeginObject() != nil {
		return false
	}
	var pv, info, caps bool
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return false
		}
		if !more {
			return pv && info && caps || !call.modern && !pv && !info && !caps
		}
		switch string(key) {
		case "traceparent", "tracestate", "baggage":
			v, err := d.ReadString()
			if err != nil {
				return false
			}
			if call.trace == nil {
				call.trace = make(map[string]any, 3)
			}
			call.trace[string(key)] = v
		case mcp.MetaKeyProtocolVersion:
			if !call.modern {
				return false
			}
			s, err := d.ReadString()
			if err != nil || s != statelessVersion {
				return false
			}
			pv = true
		case mcp.MetaKeyClientInfo:
			if !call.modern {
				return false
			}
			if call.client = parseClientInfo(d); call.client == nil {
				return false
			}
			info = true
		case mcp.MetaKeyClientCapabilities:
			if !call.modern || d.Peek() != codec.Object {
				return false
			}
			if call.caps, err = d.ReadRaw(); err != nil {
				return false
			}
			caps = true
		default:
			return false
		}
	}
}

// parseClientInfo accepts {"name": string, "version": string, ...strings},
// returning nil for anything else.
func parseClientInfo(d *codec.Decoder) *Implementation {
	if d.BeginObject() != nil {
		return nil
	}
	var name, version bool
	info := &Implementation{}
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return nil
		}
		if !more {
			if !name || !version {
				return nil
			}
			return info
		}
		k := string(key)
		v, err := d.ReadString()
		if err != nil {
			return nil
		}
		switch k {
		case "name":
			info.Name, name = v, true
		case "version":
			info.Version, version = v, true
		case "title":
			info.Title = v
		case "websiteUrl":
			info.WebsiteURL = v
		default:
			return nil
		}
	}
}

// plainInt reports whether a JSON number is a plain integer (ids such as
// 1.5 or 1e3 are left to go-sdk).
func plainInt(n []byte) bool {
	if len(n) > 0 && n[0] == '-' {
		n = n[1:]
	}
	if len(n) == 0 || len(n) > 15 {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// plainString reports whether a raw JSON string is one go-sdk writes back
// byte for byte: valid UTF-8 without escapes or characters encoding/json
// escapes. Other string ids (invalid UTF-8 becomes U+FFFD) are left to
// go-sdk.
func plainString(raw []byte) bool {
	return utf8.Valid(raw) && !bytes.ContainsAny(raw, "\\<>&\u2028\u2029")
}

func plainJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// acceptsBoth mirrors go-sdk's check that the client accepts both JSON and
// event streams.
func acceptsBoth(values []string) bool {
	var jsonOK, streamOK bool
	for _, v := range values {
		for _, raw := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(strings.TrimSpace(raw), ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			case "*/*":
				jsonOK, streamOK = true, true
			}
		}
	}
	return jsonOK && streamOK
}

// rebinding reports whether go-sdk's DNS-rebinding protection would refuse
// the request (a loopback listener reached under a non-loopback Host); the
// fast path then leaves it to go-sdk.
func rebinding(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || local == nil {
		return false
	}
	return isLoopback(local.String()) && !isLoopback(r.Host)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
