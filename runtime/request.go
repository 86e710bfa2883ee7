package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The methods the runtime answers from its catalogue, and so the methods
// middleware sees.
const (
	MethodListTools             = "tools/list"
	MethodCallTool              = "tools/call"
	MethodListResources         = "resources/list"
	MethodListResourceTemplates = "resources/templates/list"
	MethodReadResource          = "resources/read"
	MethodListPrompts           = "prompts/list"
	MethodGetPrompt             = "prompts/get"
	MethodComplete              = "completion/complete"
)

// Request is one request as middleware sees it, the same on every
// transport (stdio, stateful and stateless HTTP, the fast path).
type Request struct {
	// Method is one of the Method constants.
	Method string
	// Name is the tool or prompt name, or the resource URI; "" for lists.
	Name string
	// Version is the component version the client asked for in the
	// request's _meta ({"mcpgen": {"version": "1.0"}}); "" means the
	// highest.
	Version string
	// Arguments are the raw JSON arguments of a tool call.
	Arguments json.RawMessage
	// PromptArguments are the arguments of a prompts/get.
	PromptArguments map[string]string
	// Cursor is the cursor of a list request.
	Cursor string
	// Complete holds the parameters of a completion/complete.
	Complete *mcp.CompleteParams
	// Meta is the request's params._meta (nil when absent).
	Meta map[string]any

	// SessionID identifies the session: the Mcp-Session-Id on stateful
	// HTTP, one per connection on stdio, and on stateless HTTP the key
	// Options.SessionKey gives, or else the principal's (Principal.Key;
	// "" when unauthenticated). Session state and visibility are keyed by
	// it.
	SessionID string
	// Header holds the HTTP request's headers; nil on stdio.
	Header http.Header
	// ID is the request's JSON-RPC id as text ("7", "req-1"); "" for a
	// notification, or where the transport does not say (an in-memory
	// transport, a 2025-03-26 batch over HTTP).
	ID string
	// Transport is TransportStdio or TransportHTTP; "" for another
	// transport (an in-memory one, say).
	Transport string
	// HTTPRequest is the HTTP request that carried the message, nil off
	// HTTP. Its body has been read; its context ends when the client goes
	// away.
	HTTPRequest *http.Request
	// ProtocolVersion is the MCP protocol version of the request: the
	// session's negotiated one, or a 2026-07-28 request's own.
	ProtocolVersion string
	// ClientInfo and ClientCapabilities are what the client said at
	// initialization, or in a 2026-07-28 request's _meta; either may be nil.
	ClientInfo         *Implementation
	ClientCapabilities *mcp.ClientCapabilities
	// Principal is the authenticated caller (see Principal), nil when the
	// request carries no verified token.
	Principal *Principal
	// TaskParams is the params.task of a tools/call that asks to run as a
	// task (protocol 2025-11-25, SEP-1686), as sent; nil without one.
	TaskParams json.RawMessage

	// The resolved component of a call, read or get: exactly one is set.
	Tool     *Tool
	Resource *Resource
	Template *ResourceTemplate
	Prompt   *Prompt

	vars []string
	task *TaskRun // the task this call runs as (RunTask)
	// taskClient is the session of the client that made a task's call, when
	// its Log and Progress go to the client too (TaskRun.ClientMeta).
	taskClient *session
	detach     func() error // Detach in the part of a call that runs before its task (task.go)
	req        mcp.Request  // the go-sdk request, nil on the fast path
	in         *inputState
	srv        *Server // the server whose chain is running
	root       *Server // the server the request arrived at (sessions, state)
	sess       *session
	view       *view
	values     *requestValues
	page       **encodedPage // where a list handler notes the page it answered (listcache.go)
	// own holds what in, values and view point to for a request made here
	// (one allocation per request); copies made by mounted servers share
	// the original's.
	own struct {
		in     inputState
		values requestValues
		view   view
		page   *encodedPage
	}
}

// newRequest returns a request for method with its own input and value
// state.
func newRequest(method string) *Request {
	r := &Request{Method: method}
	r.in, r.values, r.page = &r.own.in, &r.own.values, &r.own.page
	return r
}

// setView sets the request's view to snap with rules and the principal's
// authorization (nil: none applies).
func (r *Request) setView(snap *snapshot, rules []Rule, a *authz) {
	r.own.view = view{snap: snap, rules: rules, authz: a}
	r.view = &r.own.view
}

// Session returns the go-sdk session the request arrived on, or nil (the
// fast path, a stateless request, outside a request).
func (r *Request) Session() *mcp.ServerSession {
	if r == nil || r.req == nil {
		return nil
	}
	ss, _ := r.req.GetSession().(*mcp.ServerSession)
	return ss
}

// Handler answers a request: a list result for the list methods, a
// *CallToolResult, *ReadResourceResult, *GetPromptResult or
// *mcp.CompleteResult for the others.
type Handler func(ctx context.Context, req *Request) (mcp.Result, error)

// Middleware wraps a Handler. Middleware sees every request the catalogue
// answers (lists included) on every transport; the first one installed is
// the outermost. A mounted server's middleware runs for its own
// components, inside the parent's.
type Middleware func(next Handler) Handler

// Use appends middleware to the chain. It must be called before the server
// handles its first request.
func (s *Server) Use(mw ...Middleware) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chain != nil {
		panic("runtime: Server.Use called after the server started handling requests")
	}
	s.mw = append(s.mw, mw...)
}

type requestKey struct{}

func withRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request being handled, or nil outside one.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// Progress reports progress of the current call to the client, if the
// client asked for progress by sending a progress token. total is 0 when
// unknown. Without a token, or outside a call, it does nothing.
func Progress(ctx context.Context, progress, total float64, message string) error {
	r := RequestFrom(ctx)
	if r != nil && r.task != nil {
		if r.task.Progress != nil {
			r.task.Progress(progress, total, message)
		}
		if token := r.ProgressToken(); r.taskClient != nil && token != nil {
			// Advisory, through the session's queue: a client without a
			// stream, or one that reads slowly, costs the task nothing.
			r.root.NotifySession(r.taskClient.id, "notifications/progress", &mcp.ProgressNotificationParams{
				Meta: r.task.ClientMeta, ProgressToken: token, Progress: progress, Total: total, Message: message,
			})
		}
		return nil
	}
	token := r.ProgressToken()
	ss := r.Session()
	if token == nil || ss == nil {
		return nil
	}
	p := &mcp.ProgressNotificationParams{ProgressToken: token, Progress: progress, Total: total, Message: message}
	if n := notesFrom(ctx); n != nil && n.send != nil {
		return n.send("notifications/progress", p) // the call's own stream (hot.go)
	}
	return ss.NotifyProgress(ctx, p)
}

// CloseSSEStream ends the SSE stream that carries the current request's
// response, telling the client to reconnect after retryAfter (SEP-1699):
// a long call can free its connection, and a 2025-11-25 client over
// streamable HTTP resumes with GET and Last-Event-ID, receiving the rest of
// the response there. It needs a session and Options.EventStore, which
// keeps the events sent meanwhile; without them (stateless HTTP, no event
// store) the client could not resume, and elsewhere (stdio, JSON
// responses, 2026-07-28 requests, outside a request) there is no stream to
// close: it then does nothing.
func CloseSSEStream(ctx context.Context, retryAfter time.Duration) {
	r := RequestFrom(ctx)
	if r == nil || r.req == nil || r.root == nil || r.root.opts.EventStore == nil {
		return
	}
	if ss := r.Session(); ss == nil || ss.ID() == "" {
		return
	}
	if extra := r.req.GetExtra(); extra != nil && extra.CloseSSEStream != nil {
		extra.CloseSSEStream(mcp.CloseSSEStreamArgs{RetryAfter: retryAfter})
	}
}

// ProgressToken returns the progress token the client sent with the
// request, or nil.
func (r *Request) ProgressToken() any {
	if r != nil && r.task != nil {
		return r.Meta["progressToken"] // a task's run (RunTask): the call's _meta
	}
	if r == nil || r.req == nil {
		return nil
	}
	p, ok := r.req.GetParams().(interface{ GetProgressToken() any })
	if !ok {
		return nil
	}
	return p.GetProgressToken()
}

// Log sends a log message to the client of the current call, honouring the
// level the client set with logging/setLevel. Outside a call it does
// nothing. data may be any JSON-encodable value; nil sends msg alone.
func Log(ctx context.Context, level slog.Level, msg string, data any) error {
	payload := any(msg)
	if data != nil {
		payload = map[string]any{"message": msg, "data": data}
	}
	p := &mcp.LoggingMessageParams{Level: loggingLevel(level), Data: payload, Logger: ""}
	if r := RequestFrom(ctx); r != nil && r.task != nil {
		if r.task.Log != nil {
			r.task.Log(level, msg, data)
		}
		if rec := r.taskClient; rec != nil {
			rec.mu.Lock()
			min := rec.logLevel
			rec.mu.Unlock()
			if min != "" && logLevels[p.Level] >= logLevels[min] { // at the level the client set
				p.Meta = r.task.ClientMeta
				r.root.NotifySession(rec.id, "notifications/message", p) // advisory, as Progress
			}
		}
		return nil
	}
	ss := RequestFrom(ctx).Session()
	if ss == nil {
		return nil
	}
	if n := notesFrom(ctx); n != nil {
		// A call the runtime answers itself (hot.go), whose session's log
		// level it knows.
		if !n.logs(p.Level) {
			return nil
		}
		if n.send != nil {
			return n.send("notifications/message", p)
		}
	}
	return ss.Log(ctx, p)
}

func loggingLevel(l slog.Level) mcp.LoggingLevel {
	switch {
	case l >= slog.LevelError+4:
		return "critical"
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo+2:
		return "notice"
	case l >= slog.LevelInfo:
		return "info"
	}
	return "debug"
}

// SessionID returns the session of the current request (see
// Request.SessionID), or "" outside a request.
func SessionID(ctx context.Context) string {
	if r := RequestFrom(ctx); r != nil {
		return r.SessionID
	}
	return ""
}

// ProtocolVersion returns the MCP protocol version of the current request
// (see Request.ProtocolVersion), or "" outside a request.
func ProtocolVersion(ctx context.Context) string {
	if r := RequestFrom(ctx); r != nil {
		return r.ProtocolVersion
	}
	return ""
}

// ClientCapabilities returns what the client of the current request said
// it can do: per request in protocol 2026-07-28 (an empty value when its
// _meta declares nothing), from the session's initialization before. It
// returns nil outside a request, or when an older client's capabilities
// are unknown (stateless HTTP has no initialization to remember).
func ClientCapabilities(ctx context.Context) *mcp.ClientCapabilities {
	r := RequestFrom(ctx)
	if r == nil {
		return nil
	}
	if r.ClientCapabilities == nil && r.ProtocolVersion >= statelessVersion {
		return &mcp.ClientCapabilities{}
	}
	return r.ClientCapabilities
}

// ClientInfo returns the name and version the client gave, or nil.
func ClientInfo(ctx context.Context) *Implementation {
	if r := RequestFrom(ctx); r != nil {
		return r.ClientInfo
	}
	return nil
}

func (r *Request) String() string {
	if r == nil {
		return "<no request>"
	}
	if r.Name == "" {
		return r.Method
	}
	return fmt.Sprintf("%s %s", r.Method, r.Name)
}
