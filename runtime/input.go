package runtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Input requests: elicitation, sampling and roots, written once in the
// multi round-trip style of protocol 2026-07-28.
//
// A handler asks for input by key:
//
//	res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Delete it?", RequestedSchema: schema})
//	if err != nil {
//		return "", err // includes "input required": the runtime turns it into the protocol's answer
//	}
//
// The first time, Elicit records the request and returns an error
// satisfying errors.Is(err, ErrInputRequired); the handler returns, and the
// runtime answers the call with the recorded input requests. A 2026-07-28
// client fulfils them and calls again with the responses, and this time
// Elicit returns the client's answer. For older clients, go-sdk fulfils the
// requests itself over the session (elicitation/create,
// sampling/createMessage, roots/list) and calls the handler again with the
// responses, so the same handler serves both. Handlers must therefore be
// safe to run more than once per call: do side effects after the input
// has been obtained. Several inputs can be requested in one round: ask for
// all of them before returning.

// Protocol types of input requests and responses.
type (
	ElicitParams                 = mcp.ElicitParams
	ElicitResult                 = mcp.ElicitResult
	CreateMessageParams          = mcp.CreateMessageParams
	CreateMessageWithToolsResult = mcp.CreateMessageWithToolsResult
	SamplingMessage              = mcp.SamplingMessage
	ListRootsResult              = mcp.ListRootsResult
)

// ErrInputRequired is matched (errors.Is) by the error Elicit, Sample and
// Roots return while the client has not yet supplied the input.
var ErrInputRequired = errors.New("input required")

// inputState is the per-call record of input requests and responses.
type inputState struct {
	mu        sync.Mutex
	responses mcp.InputResponseMap
	pending   mcp.InputRequestMap
}

func (r *Request) input() *inputState {
	if r == nil {
		return nil
	}
	return r.in
}

// lookup returns the response to key, or records req as pending.
func (r *Request) lookup(key string, req mcp.InputRequest) (mcp.InputResponse, error) {
	st := r.input()
	if st == nil {
		return nil, fmt.Errorf("input %q requested outside a component call", key)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if resp, ok := st.responses[key]; ok && resp != nil {
		return resp, nil
	}
	if st.pending == nil {
		st.pending = mcp.InputRequestMap{}
	}
	st.pending[key] = req
	return nil, fmt.Errorf("%w: %q", ErrInputRequired, key)
}

// pendingInput returns the input requests recorded during the call, or nil.
func (r *Request) pendingInput() mcp.InputRequestMap {
	if r.in == nil {
		return nil
	}
	r.in.mu.Lock()
	defer r.in.mu.Unlock()
	if len(r.in.pending) == 0 {
		return nil
	}
	return r.in.pending
}

// Elicit asks the user, through the client, for the input described by p
// (a message and a flat JSON Schema of the wanted fields). key names the
// request within the call. See the package documentation on input
// requests for how the first call returns ErrInputRequired.
func Elicit(ctx context.Context, key string, p *ElicitParams) (*ElicitResult, error) {
	resp, err := RequestFrom(ctx).lookup(key, p)
	if err != nil {
		return nil, err
	}
	res, ok := resp.(*mcp.ElicitResult)
	if !ok {
		return nil, fmt.Errorf("input %q: the client answered an elicitation with %T", key, resp)
	}
	return res, nil
}

// Sample asks the client's model for a completion.
func Sample(ctx context.Context, key string, p *CreateMessageParams) (*CreateMessageWithToolsResult, error) {
	resp, err := RequestFrom(ctx).lookup(key, p)
	if err != nil {
		return nil, err
	}
	switch res := resp.(type) {
	case *mcp.CreateMessageWithToolsResult:
		return res, nil
	case *mcp.CreateMessageResult:
		return &mcp.CreateMessageWithToolsResult{Content: []Content{res.Content}, Model: res.Model, Role: res.Role, StopReason: res.StopReason}, nil
	}
	return nil, fmt.Errorf("input %q: the client answered a sampling request with %T", key, resp)
}

// Roots asks the client for its roots.
func Roots(ctx context.Context, key string) (*ListRootsResult, error) {
	resp, err := RequestFrom(ctx).lookup(key, &mcp.ListRootsParams{})
	if err != nil {
		return nil, err
	}
	res, ok := resp.(*mcp.ListRootsResult)
	if !ok {
		return nil, fmt.Errorf("input %q: the client answered roots/list with %T", key, resp)
	}
	return res, nil
}

// SampledText returns the text of a sampling result's first text content.
func SampledText(res *CreateMessageWithToolsResult) string {
	if res == nil {
		return ""
	}
	for _, c := range res.Content {
		if t, ok := c.(*TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// maxInputRounds bounds how many times one call may ask for input.
const maxInputRounds = 16

// answer runs r through the middleware chain until it needs no more input.
// It returns the result, or, for a client that speaks multi round-trip
// (2026-07-28 and later), the input requests to send it with the request
// state that carries the answers gathered so far. For older clients the
// runtime fulfils the requests itself over the session (elicitation/create,
// sampling/createMessage, roots/list) and runs the handler again, so a
// handler that asks for input several times in sequence works for them too.
func (s *Server) answer(ctx context.Context, r *Request, state string, responses mcp.InputResponseMap) (res mcp.Result, pending mcp.InputRequestMap, newState string, err error) {
	if r.in == nil {
		r.in = &inputState{}
	}
	if r.values == nil {
		r.values = &requestValues{}
	}
	r.in.responses, err = decodeState(state)
	if err != nil {
		return nil, nil, "", InvalidParams("invalid requestState: %v", err)
	}
	for k, v := range responses {
		r.in.responses[k] = v
	}
	ss := r.Session()
	for round := 0; ; round++ {
		res, err = s.serve(ctx, r)
		pending = r.pendingInput()
		if pending == nil {
			return res, nil, "", err
		}
		if supportsMultiRoundTrip(ss) {
			newState, err = encodeState(r.in.responses)
			return nil, pending, newState, err
		}
		if s.opts.Stateless && r.overHTTP() {
			return nil, nil, "", inputUnavailable(r, pending)
		}
		if round+1 >= maxInputRounds {
			return nil, nil, "", fmt.Errorf("%s %q asked for input more than %d times", r.Method, r.Name, maxInputRounds)
		}
		got, err := fulfil(ctx, ss, pending)
		if err != nil {
			return nil, nil, "", err
		}
		r.in.mu.Lock()
		for k, v := range got {
			r.in.responses[k] = v
		}
		r.in.pending = nil
		r.in.mu.Unlock()
	}
}

// inputUnavailable is the error for input requested from a pre-2026-07-28
// client of a stateless server, which has no session to ask it on.
func inputUnavailable(r *Request, pending mcp.InputRequestMap) error {
	keys := make([]string, 0, len(pending))
	for k := range pending {
		keys = append(keys, strconv.Quote(k))
	}
	sort.Strings(keys)
	return &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities, Message: fmt.Sprintf(
		"%s %q needs input from the client (%s); a stateless server can ask for it only with protocol 2026-07-28",
		r.Method, r.Name, strings.Join(keys, ", "))}
}

// overHTTP reports whether the request arrived over HTTP.
func (r *Request) overHTTP() bool {
	if r.req == nil {
		return true // only the HTTP fast path builds requests without one
	}
	extra := r.req.GetExtra()
	return extra != nil && extra.Header != nil
}

// supportsMultiRoundTrip reports whether the session's client takes input
// requests in results: it negotiated 2026-07-28 or later, or (stateless
// 2026-07-28 requests) did not initialize at all.
func supportsMultiRoundTrip(ss *mcp.ServerSession) bool {
	if ss == nil {
		return true
	}
	if p := ss.InitializeParams(); p != nil {
		return p.ProtocolVersion >= "2026-07-28"
	}
	return true
}

// fulfil sends input requests to an older client over its session, one at
// a time in key order.
func fulfil(ctx context.Context, ss *mcp.ServerSession, pending mcp.InputRequestMap) (mcp.InputResponseMap, error) {
	if ss == nil {
		return nil, errors.New("input required, but the request has no session to ask the client on")
	}
	keys := make([]string, 0, len(pending))
	for k := range pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := mcp.InputResponseMap{}
	for _, k := range keys {
		var resp mcp.InputResponse
		var err error
		switch p := pending[k].(type) {
		case *mcp.ElicitParams:
			resp, err = ss.Elicit(ctx, p)
		case *mcp.CreateMessageParams:
			resp, err = ss.CreateMessage(ctx, p)
		case *mcp.ListRootsParams:
			resp, err = ss.ListRoots(ctx, p)
		default:
			err = fmt.Errorf("unsupported input request %T", p)
		}
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", k, err)
		}
		out[k] = resp
	}
	return out, nil
}

// encodeState packs the answers gathered so far into the opaque request
// state the client echoes on its next round. The answers are the client's
// own, so the state needs no secrecy; a client that alters it only changes
// its own answers.
func encodeState(m mcp.InputResponseMap) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	js, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(js), nil
}

func decodeState(s string) (mcp.InputResponseMap, error) {
	m := mcp.InputResponseMap{}
	if s == "" {
		return m, nil
	}
	js, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, err
	}
	return m, nil
}
