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
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

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
		// The generated schemas, so that go-sdk's validation checks the
		// same constraints (minLength, minimum, maximum, default) as the
		// generated code does; inferred by reflection, they would lack the
		// mcp tag's constraints.
		InputSchema:  searchTool().InputSchema,
		OutputSchema: searchTool().OutputSchema,
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in tools.SearchArgs) (*mcp.CallToolResult, tools.SearchResult, error) {
		out, err := tools.Search(ctx, in)
		return nil, out, err
	})
	return s
}

// searchTool is the generated descriptor of tools.Search: its schemas are
// the ones every hand-registered server declares.
func searchTool() *runtime.Tool { return tools.Components().Tools[0] }

// NewGoSDKRawServer returns a go-sdk server with tools.Search registered
// through the raw (*mcp.Server).AddTool, which is what generated code
// registered before the mcpgen runtime existed: the schemas are given as
// JSON, and the handler decodes the arguments with encoding/json, checks
// them by hand with the generated code's constraints (CheckedArgs) and
// encodes the result with encoding/json.
func NewGoSDKRawServer() *mcp.Server {
	s := mcp.NewServer(ServerInfo, nil)
	t := searchTool()
	s.AddTool(&mcp.Tool{
		Name:         ToolName,
		Description:  toolDescription,
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true},
		InputSchema:  t.InputSchema,
		OutputSchema: t.OutputSchema,
	}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res := searchResult(ctx, req.Params.Arguments)
		out := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: res.Content[0].Text}}, IsError: res.IsError}
		if !res.IsError {
			out.StructuredContent = res.StructuredContent
		}
		return out, nil
	})
	return s
}

// CheckedArgs decodes the arguments of the search tool with encoding/json
// and applies the constraints the generated code checks: query is
// required and at least one character long, limit is between 1 and 50 and
// defaults to 10. The hand-registered servers (go-sdk raw, mcp-go, the
// baseline) all use it, so that every server does the same work.
func CheckedArgs(args json.RawMessage) (tools.SearchArgs, error) {
	var in struct {
		Query *string  `json:"query"`
		Limit *int     `json:"limit"`
		Tags  []string `json:"tags"`
	}
	if len(args) > 0 {
		if err := json.Unmarshal(args, &in); err != nil {
			return tools.SearchArgs{}, fmt.Errorf("invalid arguments: %v", err)
		}
	}
	var out tools.SearchArgs
	var problems []string
	switch {
	case in.Query == nil:
		problems = append(problems, `missing required argument "query"`)
	case utf8.RuneCountInString(*in.Query) < 1:
		problems = append(problems, "query: must be at least 1 character long")
	default:
		out.Query = *in.Query
	}
	out.Limit = 10
	if in.Limit != nil {
		out.Limit = *in.Limit
		if out.Limit < 1 {
			problems = append(problems, fmt.Sprintf("limit: must be at least 1, not %d", out.Limit))
		}
		if out.Limit > 50 {
			problems = append(problems, fmt.Sprintf("limit: must be at most 50, not %d", out.Limit))
		}
	}
	out.Tags = in.Tags
	if problems != nil {
		return tools.SearchArgs{}, fmt.Errorf("invalid arguments: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

// searchResult runs the checked search for a hand-registered server: the
// result's JSON as structured content and as text, or an error result.
func searchResult(ctx context.Context, args json.RawMessage) *baselineResult {
	in, err := CheckedArgs(args)
	if err != nil {
		return baselineFailure(err.Error())
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
	t := searchTool()
	tool := mcpgo.NewToolWithRawSchema(ToolName, toolDescription, t.InputSchema)
	tool.RawOutputSchema = t.OutputSchema
	tool.Annotations.ReadOnlyHint = mcpgo.ToBoolPtr(true)
	s.AddTool(tool, func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		// mcp-go hands the arguments over decoded into a map; its own
		// structured handlers re-encode them to bind a struct, as here.
		args, err := json.Marshal(req.Params.Arguments)
		if err != nil {
			return mcpgo.NewToolResultError(err.Error()), nil
		}
		res := searchResult(ctx, args)
		if res.IsError {
			return mcpgo.NewToolResultError(res.Content[0].Text), nil
		}
		return &mcpgo.CallToolResult{
			Content:           []mcpgo.Content{mcpgo.NewTextContent(res.Content[0].Text)},
			StructuredContent: res.StructuredContent,
		}, nil
	})
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
	return searchResult(ctx, args)
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
