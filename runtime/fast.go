package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The stateless fast path.
//
// On a stateless server with JSON responses, the runtime answers
// tools/call itself (hot.go): the request is parsed and answered as on
// the runtime's path of every transport, and the response is written with
// the status and headers go-sdk's stateless handler writes. Only a strict
// subset qualifies: a well-formed single request whose headers, _meta and
// tool are all as expected. Anything else (other methods, batches, unknown
// fields, malformed input, any header go-sdk would reject, a 2026-07-28
// tool that binds arguments to headers) goes to go-sdk unchanged, so that
// every error and edge case keeps go-sdk's behaviour.
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
	m, ok := parseHot(body)
	if !ok || m.method != MethodCallTool || m.modern != modern ||
		modern && (r.Header.Get("Mcp-Method") != MethodCallTool || r.Header.Get("Mcp-Name") != m.name) {
		return false
	}
	if modern {
		// go-sdk checks the Mcp-Param headers of tools that bind
		// arguments to them (the guard did too, on the way there).
		snap := h.s.snapshot(r.Context())
		for _, t := range snap.tools[m.name] {
			if snap.paramHeaders[t] != nil {
				return false
			}
		}
	}
	h.served.Add(1)
	defer h.s.conns.track(r, m.idText(), nil)()
	extra := &mcp.RequestExtra{TokenInfo: auth.TokenInfoFromContext(r.Context()), Header: r.Header}
	ctx := context.WithValue(r.Context(), boundKey{}, true) // it ends with r
	resp, sent := h.s.serveHot(ctx, m, m.sdkRequest(nil, extra))
	status := http.StatusOK
	if sent != nil && modern {
		status = errorStatus(sent.Code)
	}
	hd := w.Header()
	hd["Content-Type"], hd["Cache-Control"] = hdrJSON, hdrNoCache
	w.WriteHeader(status)
	w.Write(resp)
	return true
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

// appendPlainResult appends ,"result":{...} for the common shape of a
// tool result, text content and structured content from a generated
// encoder, byte for byte as go-sdk would encode it (a 2026-07-28 one with
// the server's info in _meta and its resultType), without reflection. It
// reports false for any other shape.
func (s *Server) appendPlainResult(b []byte, res *CallToolResult, modern bool) ([]byte, bool) {
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
		s.metaOnce.Do(func() {
			s.meta, s.metaErr = json.Marshal(map[string]any{mcp.MetaKeyServerInfo: s.impl})
		})
		if s.metaErr != nil || s.impl == nil {
			return b, false
		}
		meta = s.meta
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
	if ct == "application/json" {
		return true // what mime.ParseMediaType says, without its allocations
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// acceptsBoth mirrors go-sdk's check that the client accepts both JSON and
// event streams.
func acceptsBoth(values []string) bool {
	var jsonOK, streamOK bool
	for _, v := range values {
		for rest, more := v, true; more; {
			var raw string
			raw, rest, more = strings.Cut(rest, ",")
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
