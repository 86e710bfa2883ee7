package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The methods that reach components, and so the middleware chain.
const (
	MethodCallTool     = "tools/call"
	MethodReadResource = "resources/read"
	MethodGetPrompt    = "prompts/get"
)

// Request is one call of a component, as middleware sees it.
type Request struct {
	Method string // MethodCallTool, MethodReadResource or MethodGetPrompt
	// Name is the tool or prompt name, or the resource URI.
	Name string
	// Arguments are the raw JSON arguments of a tool call.
	Arguments json.RawMessage
	// PromptArguments are the arguments of a prompts/get.
	PromptArguments map[string]string
	// Version is the component version the client asked for in the
	// request's _meta ({"mcpgen": {"version": "1.0"}}); "" means the
	// highest.
	Version string

	// The resolved component: exactly one is set.
	Tool     *Tool
	Resource *Resource
	Template *ResourceTemplate
	Prompt   *Prompt

	vars []string
	req  mcp.Request
	in   inputState
	srv  *Server
}

// Session returns the go-sdk session the request arrived on, or nil.
func (r *Request) Session() *mcp.ServerSession {
	if r.req == nil {
		return nil
	}
	ss, _ := r.req.GetSession().(*mcp.ServerSession)
	return ss
}

// Handler answers a component call with a *CallToolResult,
// *ReadResourceResult or *GetPromptResult.
type Handler func(ctx context.Context, req *Request) (mcp.Result, error)

// Middleware wraps a Handler. Middleware sees every component call on
// every transport; the first one installed is the outermost.
type Middleware func(next Handler) Handler

// Use appends middleware to the chain. It must be called before the server
// handles its first call.
func (s *Server) Use(mw ...Middleware) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chain != nil {
		panic("runtime: Server.Use called after the server started handling calls")
	}
	s.mw = append(s.mw, mw...)
}

type requestKey struct{}

func withRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the component call being handled, or nil outside one.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// Progress reports progress of the current call to the client, if the
// client asked for progress by sending a progress token. total is 0 when
// unknown. Without a token, or outside a call, it does nothing.
func Progress(ctx context.Context, progress, total float64, message string) error {
	r := RequestFrom(ctx)
	if r == nil || r.req == nil {
		return nil
	}
	p, ok := r.req.GetParams().(interface{ GetProgressToken() any })
	if !ok {
		return nil
	}
	token := p.GetProgressToken()
	ss := r.Session()
	if token == nil || ss == nil {
		return nil
	}
	return ss.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
		ProgressToken: token, Progress: progress, Total: total, Message: message,
	})
}

// Log sends a log message to the client of the current call, honouring the
// level the client set with logging/setLevel. Outside a call it does
// nothing. data may be any JSON-encodable value; nil sends msg alone.
func Log(ctx context.Context, level slog.Level, msg string, data any) error {
	r := RequestFrom(ctx)
	ss := r.Session()
	if ss == nil {
		return nil
	}
	payload := any(msg)
	if data != nil {
		payload = map[string]any{"message": msg, "data": data}
	}
	return ss.Log(ctx, &mcp.LoggingMessageParams{Level: loggingLevel(level), Data: payload, Logger: ""})
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

// SessionID returns the MCP session id of the current call: the
// Mcp-Session-Id on stateful HTTP, "" on stdio or stateless HTTP.
func SessionID(ctx context.Context) string {
	if ss := RequestFrom(ctx).Session(); ss != nil {
		return ss.ID()
	}
	return ""
}

// ClientInfo returns the name and version the client gave at
// initialization, or nil.
func ClientInfo(ctx context.Context) *Implementation {
	if ss := RequestFrom(ctx).Session(); ss != nil {
		if p := ss.InitializeParams(); p != nil {
			return p.ClientInfo
		}
	}
	return nil
}

func (r *Request) String() string { return fmt.Sprintf("%s %s", r.Method, r.Name) }
