package runtime

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// An Observer is told of every message the server receives: requests and
// notifications, catalogue methods or not (initialize, ping,
// logging/setLevel, subscriptions), on every transport and path (go-sdk's
// and the fast path). Tracing and metrics plug in here: package
// runtime/otel is an Observer. Set it in Options.Observer.
//
// Message runs before the message is handled, outside all middleware. The
// context it returns is the one the message is handled in (a span's, say),
// and done is called once, with the result and the error the client is
// sent (a *jsonrpc.Error, or another error go-sdk turns into one). A
// tools/call that fails as a tool has a *CallToolResult with IsError set
// and a nil error. r describes the message; on the go-sdk path it is not
// the Request middleware later sees, and it must not be kept after done.
type Observer interface {
	Message(ctx context.Context, r *Request) (context.Context, func(res mcp.Result, err error))
}

// A SessionObserver is an Observer that also wants to know when sessions
// start and end: Session is called with a session's first message, and the
// function it returns when the session closes.
type SessionObserver interface {
	Observer
	Session(r *Request) (end func())
}

// Transports a Request can arrive on (Request.Transport).
const (
	TransportStdio = "stdio"
	TransportHTTP  = "http"
)

// stdioIDKey carries, in the RequestExtra.Header of a stdio request, the
// request's JSON-RPC id. No HTTP header has this name (it has a colon), and
// fromSDK removes the header before anyone sees it.
const stdioIDKey = ":mcpgen-id"

// idText returns a JSON-RPC id as the observers and Request.ID show it:
// the string itself, or the number's digits; "" for no id.
func idText(id jsonrpc.ID) string {
	switch v := id.Raw().(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// rawIDText is idText for the raw JSON of an id: a string's contents
// unquoted, a number as written, "" for null or none.
func rawIDText(raw []byte) string {
	var d codec.Decoder
	d.Reset(raw)
	switch d.Peek() {
	case codec.String:
		s, _ := d.ReadString() // JSON's escapes, not Go's
		return s
	case codec.Number:
		return string(raw)
	}
	return ""
}

// observe calls the observer, if any, for a message received through
// go-sdk. It returns the context to handle the message in and the
// function to call with its outcome (nil without an observer).
func (s *Server) observe(ctx context.Context, method string, req mcp.Request) (context.Context, func(mcp.Result, error)) {
	if s.opts.Observer == nil {
		return ctx, nil
	}
	r := s.fromSDK(method, req)
	r.Name = requestName(req)
	switch p := req.GetParams().(type) {
	case *mcp.CallToolParamsRaw:
		r.Arguments = p.Arguments
	case *mcp.SubscribeParams:
		r.Name = p.URI
	case *mcp.UnsubscribeParams:
		r.Name = p.URI
	case *mcp.InitializeParams:
		// The session has no negotiated version yet: it is being agreed.
		if p != nil && r.ProtocolVersion == "" {
			r.ProtocolVersion, r.ClientInfo, r.ClientCapabilities = negotiatedVersion(p.ProtocolVersion), p.ClientInfo, p.Capabilities
		}
	}
	if r.sess != nil {
		r.sess.observed(s, r)
	}
	return s.observeMessage(ctx, r)
}

// observeMessage calls the observer's Message, containing a panic in it
// (the observer is plug-in code): the message is then handled
// unobserved.
func (s *Server) observeMessage(ctx context.Context, r *Request) (octx context.Context, done func(mcp.Result, error)) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("observer panicked", "method", r.Method, "panic", v, "stack", string(debug.Stack()))
			octx, done = ctx, nil
		}
	}()
	return s.opts.Observer.Message(ctx, r)
}

// observed calls an observer's done, containing a panic in it.
func (s *Server) observed(ctx context.Context, done func(mcp.Result, error), res mcp.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(ctx, "observer panicked", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	done(res, err)
}

// transportDetails sets the HTTP request and JSON-RPC id of r from what the
// HTTP guard recorded for the request whose header map is h, or, for
// stdio, from the marker its line reader left.
func (s *Server) transportDetails(r *Request, h http.Header) {
	if h == nil {
		return
	}
	if ids, ok := h[stdioIDKey]; ok {
		r.Transport, r.Header = TransportStdio, nil
		if len(ids) > 0 {
			r.ID = ids[0]
		}
		return
	}
	r.Transport = TransportHTTP
	if e := s.conns.lookup(h); e != nil {
		r.HTTPRequest, r.ID = e.r, e.id
	}
}

// messageID returns the JSON-RPC id of the request an HTTP body carries,
// as text; "" for a notification, a response or a batch.
func messageID(body []byte) string {
	id, request, _ := idAndKind(bytes.TrimSpace(body))
	if !request {
		return ""
	}
	return rawIDText(id)
}

// observed tells a SessionObserver, once, that the session started, and
// keeps what to call when it ends (session close hooks contain panics).
func (rec *session) observed(s *Server, r *Request) {
	so, ok := s.opts.Observer.(SessionObserver)
	if !ok {
		return
	}
	rec.mu.Lock()
	first := !rec.observedStart && !rec.closed
	rec.observedStart = true
	rec.mu.Unlock()
	if !first {
		return
	}
	var end func()
	func() {
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("session observer panicked", "panic", v, "stack", string(debug.Stack()))
			}
		}()
		end = so.Session(r)
	}()
	if end == nil {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed {
		go end()
		return
	}
	rec.onClose = append([]func(){end}, rec.onClose...)
}
