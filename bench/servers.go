// Package bench compares the cost of one MCP tools/call served by an
// mcpgen-generated server with the same Go function served by go-sdk's
// generic mcp.AddTool, by github.com/mark3labs/mcp-go, and by a bare
// net/http JSON-RPC handler that sets the floor. It is a separate module so
// that mcp-go never becomes a dependency of mcpgen itself.
//
// The constructors here build each server; bench_test.go drives them with
// benchmarks and checks that each one answers correctly.
package bench

import (
	"context"
	"encoding/json"
	"net/http"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpgoserver "github.com/mark3labs/mcp-go/server"
	"github.com/mcpgen/mcpgen/bench/tools"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ToolName is the name under which every server exposes tools.Search; it is
// the name mcpgen derives from the Go function name.
const ToolName = "search"

// toolDescription is the description given to the hand-registered tools,
// matching the doc comment mcpgen puts in the generated descriptor.
const toolDescription = "Search looks a query up in a tiny fixed index and returns up to three deterministic hits, best first. Tags, when given, are folded into the titles."

// ServerInfo names every benchmarked server.
var ServerInfo = &mcp.Implementation{Name: "bench", Version: "1.0.0"}

// NewGoSDKServer returns a go-sdk server with tools.Search registered
// through the generic mcp.AddTool: input and output schemas are inferred by
// reflection, arguments are validated against the input schema and decoded
// with encoding/json, and the output is encoded by reflection.
func NewGoSDKServer() *mcp.Server {
	s := mcp.NewServer(ServerInfo, nil)
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolName,
		Description: toolDescription,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in tools.SearchArgs) (*mcp.CallToolResult, tools.SearchResult, error) {
		out, err := tools.Search(ctx, in)
		return nil, out, err
	})
	return s
}

// StatelessHTTP returns go-sdk's streamable HTTP handler for s in stateless
// mode with JSON (not SSE) responses, as used for both go-sdk servers: the
// generic one and the one the mcpgen runtime builds.
func StatelessHTTP(s *mcp.Server) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
}

// NewMCPGoServer returns a mark3labs/mcp-go server with tools.Search
// registered through its structured tool API: schemas inferred from the Go
// types, arguments bound with encoding/json, structured content plus a text
// copy in the result. mcp-go validates arguments against the input schema
// only when asked; validate turns that on (WithInputSchemaValidation).
func NewMCPGoServer(validate bool) *mcpgoserver.MCPServer {
	var opts []mcpgoserver.ServerOption
	if validate {
		opts = append(opts, mcpgoserver.WithInputSchemaValidation())
	}
	s := mcpgoserver.NewMCPServer(ServerInfo.Name, ServerInfo.Version, opts...)
	s.AddTool(
		mcpgo.NewTool(ToolName,
			mcpgo.WithDescription(toolDescription),
			mcpgo.WithInputSchema[tools.SearchArgs](),
			mcpgo.WithOutputSchema[tools.SearchResult](),
			mcpgo.WithReadOnlyHintAnnotation(true),
		),
		mcpgo.NewStructuredToolHandler(func(ctx context.Context, _ mcpgo.CallToolRequest, in tools.SearchArgs) (tools.SearchResult, error) {
			return tools.Search(ctx, in)
		}),
	)
	return s
}

// MCPGoHTTP returns mcp-go's streamable HTTP handler for s in stateless
// mode. mcp-go answers a plain request/response call with application/json
// on its own; it has no switch for it.
func MCPGoHTTP(s *mcpgoserver.MCPServer) http.Handler {
	return mcpgoserver.NewStreamableHTTPServer(s, mcpgoserver.WithStateLess(true))
}

// Baseline is the floor: a bare net/http handler that decodes a JSON-RPC
// tools/call with encoding/json, calls tools.Search and writes the JSON-RPC
// response with encoding/json. It speaks no more MCP than that: no
// initialize, no schema validation, no other method. For a 2026-07-28
// request (one whose _meta names that protocol version) it adds what that
// era's results carry: the server's info in _meta and resultType.
type Baseline struct{}

type baselineRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      struct {
			ProtocolVersion string `json:"io.modelcontextprotocol/protocolVersion"`
		} `json:"_meta"`
	} `json:"params"`
}

type baselineText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type baselineMeta struct {
	ServerInfo *mcp.Implementation `json:"io.modelcontextprotocol/serverInfo,omitempty"`
}

type baselineResult struct {
	Meta              *baselineMeta   `json:"_meta,omitempty"`
	Content           []baselineText  `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent,omitempty"`
	IsError           bool            `json:"isError,omitempty"`
	ResultType        string          `json:"resultType,omitempty"`
}

type baselineError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type baselineResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  *baselineResult `json:"result,omitempty"`
	Error   *baselineError  `json:"error,omitempty"`
}

// ServeHTTP answers one JSON-RPC tools/call for the search tool.
func (Baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req baselineRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad JSON-RPC request: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := baselineResponse{JSONRPC: "2.0", ID: req.ID}
	switch {
	case req.Method != "tools/call":
		resp.Error = &baselineError{Code: -32601, Message: "method not found: " + req.Method}
	case req.Params.Name != ToolName:
		resp.Error = &baselineError{Code: -32602, Message: "unknown tool: " + req.Params.Name}
	default:
		resp.Result = baselineCall(r.Context(), req.Params.Arguments)
		if req.Params.Meta.ProtocolVersion >= "2026-07-28" {
			// The stateless core names the server in each result and marks
			// the result complete (as opposed to needing more input).
			resp.Result.Meta = &baselineMeta{ServerInfo: ServerInfo}
			resp.Result.ResultType = "complete"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(&resp); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func baselineCall(ctx context.Context, args json.RawMessage) *baselineResult {
	var in tools.SearchArgs
	if len(args) > 0 {
		if err := json.Unmarshal(args, &in); err != nil {
			return baselineFailure("invalid arguments: " + err.Error())
		}
	}
	out, err := tools.Search(ctx, in)
	if err != nil {
		return baselineFailure(err.Error())
	}
	js, err := json.Marshal(out)
	if err != nil {
		return baselineFailure(err.Error())
	}
	return &baselineResult{Content: []baselineText{{Type: "text", Text: string(js)}}, StructuredContent: js}
}

func baselineFailure(msg string) *baselineResult {
	return &baselineResult{Content: []baselineText{{Type: "text", Text: msg}}, IsError: true}
}

// NewMCPGenServer returns the mcpgen runtime serving the generated
// tools.Components(): the schemas are constants, and arguments are decoded
// and validated, and results encoded, by generated code.
func NewMCPGenServer() *runtime.Server {
	s := runtime.NewServer(ServerInfo, &runtime.Options{Stateless: true, JSONResponse: true})
	if err := s.Add(tools.Components()); err != nil {
		panic(err)
	}
	return s
}
