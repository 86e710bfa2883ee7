package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// Bare is the floor for the process benchmarks: a bare JSON-RPC handler
// with encoding/json that speaks just enough MCP for a client to use it.
// It answers initialize with fixed capabilities, ping, tools/list with
// the pre-encoded tools copied into the response, and tools/call of the search tool with the same checks
// as the hand-registered servers (CheckedArgs); it ignores notifications.
// There is no schema validation, no middleware and no concurrency: each
// message is answered before the next is read.
type Bare struct {
	// Tools is the JSON array of tools/list's "tools"; nil means the
	// search tool alone.
	Tools json.RawMessage
}

type bareRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type bareResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *baselineError  `json:"error,omitempty"`
}

// searchToolJSON is tools/list's array when Bare.Tools is nil.
var searchToolJSON = func() json.RawMessage {
	t := searchTool()
	js, err := json.Marshal([]map[string]any{{
		"name":         t.Name,
		"description":  toolDescription,
		"annotations":  map[string]any{"readOnlyHint": true},
		"inputSchema":  t.InputSchema,
		"outputSchema": t.OutputSchema,
	}})
	if err != nil {
		panic(err)
	}
	return js
}()

// Answer answers one JSON-RPC message, returning the encoded response, or
// nil for a notification. method is the message's method.
func (b *Bare) Answer(ctx context.Context, msg []byte) (resp []byte, method string) {
	var req bareRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		js, _ := json.Marshal(&bareResponse{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &baselineError{Code: -32700, Message: "parse error: " + err.Error()}})
		return js, ""
	}
	if req.ID == nil {
		return nil, req.Method
	}
	out := bareResponse{JSONRPC: "2.0", ID: req.ID}
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		json.Unmarshal(req.Params, &p)
		out.Result = map[string]any{
			"protocolVersion": p.ProtocolVersion,
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      ServerInfo,
		}
	case "ping":
		out.Result = struct{}{}
	case "tools/list":
		// The floor for a list: the pre-encoded tools, written as they are.
		tools := b.Tools
		if tools == nil {
			tools = searchToolJSON
		}
		resp := make([]byte, 0, len(tools)+len(req.ID)+64)
		resp = append(resp, `{"jsonrpc":"2.0","id":`...)
		resp = append(resp, req.ID...)
		resp = append(resp, `,"result":{"tools":`...)
		resp = append(resp, tools...)
		return append(resp, "}}"...), req.Method
	case "tools/call":
		var p struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
			Meta      struct {
				ProtocolVersion string `json:"io.modelcontextprotocol/protocolVersion"`
			} `json:"_meta"`
		}
		if err := json.Unmarshal(req.Params, &p); err != nil {
			out.Error = &baselineError{Code: -32602, Message: "invalid params: " + err.Error()}
		} else if p.Name != ToolName {
			out.Error = &baselineError{Code: -32602, Message: "unknown tool: " + p.Name}
		} else {
			res := searchResult(ctx, p.Arguments)
			if p.Meta.ProtocolVersion >= "2026-07-28" {
				// The stateless core names the server in each result and
				// marks the result complete.
				res.Meta = &baselineMeta{ServerInfo: ServerInfo}
				res.ResultType = "complete"
			}
			out.Result = res
		}
	default:
		out.Error = &baselineError{Code: -32601, Message: "method not found: " + req.Method}
	}
	js, err := json.Marshal(&out)
	if err != nil {
		js, _ = json.Marshal(&bareResponse{JSONRPC: "2.0", ID: req.ID, Error: &baselineError{Code: -32603, Message: err.Error()}})
	}
	return js, req.Method
}

// ServeStdio answers newline-delimited JSON-RPC messages from r on w, one
// at a time, until r ends.
func (b *Bare) ServeStdio(ctx context.Context, r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	for sc.Scan() {
		resp, _ := b.Answer(ctx, sc.Bytes())
		if resp == nil {
			continue
		}
		if _, err := w.Write(append(resp, '\n')); err != nil {
			return err
		}
	}
	return sc.Err()
}

// BareHTTP serves Bare over stateful streamable HTTP with JSON responses:
// initialize opens a session (Mcp-Session-Id), every other request must
// name a live one, and notifications get 202 Accepted.
type BareHTTP struct {
	Bare
	mu       sync.Mutex
	sessions map[string]bool
}

func (h *BareHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.Header.Get("Mcp-Session-Id")
	h.mu.Lock()
	known := h.sessions[id]
	h.mu.Unlock()
	resp, method := h.Answer(r.Context(), body)
	switch {
	case method == "initialize":
		var buf [16]byte
		rand.Read(buf[:])
		id = hex.EncodeToString(buf[:])
		h.mu.Lock()
		if h.sessions == nil {
			h.sessions = make(map[string]bool)
		}
		h.sessions[id] = true
		h.mu.Unlock()
		w.Header().Set("Mcp-Session-Id", id)
	case !known:
		http.Error(w, "unknown session", http.StatusNotFound)
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(resp)
}
