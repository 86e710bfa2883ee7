package runtime

import (
	"context"
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
	CreateMessageWithToolsParams = mcp.CreateMessageWithToolsParams
	CreateMessageWithToolsResult = mcp.CreateMessageWithToolsResult
	SamplingMessage              = mcp.SamplingMessage
	ListRootsResult              = mcp.ListRootsResult
)

// ErrInputRequired is matched (errors.Is) by the error Elicit, Sample and
// Roots return while the client has not yet supplied the input.
var ErrInputRequired = errors.New("input required")

// ErrMissingCapability is matched (errors.Is) by the error Elicit, Sample
// and Roots return when the client did not declare the capability the
// request needs (elicitation, its url mode, sampling or roots): the
// request is never sent. A handler may do without the input, or ask for
// other input instead; if it fails with nothing else to ask (returns the
// error, or a tool error result), the client gets the protocol's
// MissingRequiredClientCapabilities error (-32021, with the capabilities
// in its data; HTTP 400 on streamable HTTP) rather than the handler's
// result.
var ErrMissingCapability = errors.New("missing client capability")

// inputState is the per-call record of input requests and responses.
type inputState struct {
	mu        sync.Mutex
	responses mcp.InputResponseMap
	pending   mcp.InputRequestMap
	used      map[string]bool         // keys whose responses the handler read
	refused   *mcp.ClientCapabilities // capabilities asked for but not declared
}

// missingCapability is the error a handler gets for an input request the
// client cannot take.
type missingCapability struct{ msg string }

func (e *missingCapability) Error() string        { return e.msg }
func (e *missingCapability) Is(target error) bool { return target == ErrMissingCapability }

// required returns the client capability an input request needs, as a
// capabilities value holding only it, and whether caps has it.
func required(req mcp.InputRequest, caps *mcp.ClientCapabilities) (*mcp.ClientCapabilities, string, bool) {
	need := &mcp.ClientCapabilities{}
	switch p := req.(type) {
	case *mcp.ElicitParams:
		if p.Mode == "url" {
			need.Elicitation = &mcp.ElicitationCapabilities{URL: &mcp.URLElicitationCapabilities{}}
			return need, "elicitation (url mode)", caps != nil && caps.Elicitation != nil && caps.Elicitation.URL != nil
		}
		need.Elicitation = &mcp.ElicitationCapabilities{}
		return need, "elicitation", caps != nil && caps.Elicitation != nil
	case *mcp.CreateMessageParams, *mcp.CreateMessageWithToolsParams:
		need.Sampling = &mcp.SamplingCapabilities{}
		return need, "sampling", caps != nil && caps.Sampling != nil
	case *mcp.ListRootsParams:
		need.RootsV2 = &mcp.RootCapabilities{}
		return need, "roots", caps != nil && (caps.RootsV2 != nil || caps.Roots.ListChanged)
	}
	return nil, "", true
}

// capabilitiesKnown reports whether the request says what its client can
// do: a 2026-07-28 request always does (no capabilities in its _meta means
// none), an older one when its session was initialized with them.
func (r *Request) capabilitiesKnown() bool {
	return r.ClientCapabilities != nil || r.ProtocolVersion >= statelessVersion
}

// merge adds the capabilities of b to a.
func merge(a, b *mcp.ClientCapabilities) {
	if b.Elicitation != nil {
		if a.Elicitation == nil {
			a.Elicitation = &mcp.ElicitationCapabilities{}
		}
		if b.Elicitation.URL != nil {
			a.Elicitation.URL = b.Elicitation.URL
		}
	}
	if b.Sampling != nil {
		a.Sampling = b.Sampling
	}
	if b.RootsV2 != nil {
		a.RootsV2 = b.RootsV2
	}
}

// refusal returns the protocol error for the capabilities the handler
// asked for and the client did not declare, or nil.
func (r *Request) refusal() error {
	st := r.input()
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.refused == nil {
		return nil
	}
	// RootsV2 is how go-sdk marshals roots in capabilities it sends, not
	// in its data: spell the JSON out.
	data := map[string]any{}
	if st.refused.Elicitation != nil {
		e := map[string]any{}
		if st.refused.Elicitation.URL != nil {
			e["url"] = map[string]any{}
		}
		data["elicitation"] = e
	}
	if st.refused.Sampling != nil {
		data["sampling"] = map[string]any{}
	}
	if st.refused.RootsV2 != nil {
		data["roots"] = map[string]any{}
	}
	names := make([]string, 0, len(data))
	for k := range data {
		names = append(names, k)
	}
	sort.Strings(names)
	js, _ := json.Marshal(map[string]any{"requiredCapabilities": data})
	return &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities, Data: js, Message: fmt.Sprintf(
		"%s %q needs the client capabilities %s, which the client did not declare", r.Method, r.Name, strings.Join(names, ", "))}
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
		if st.used == nil {
			st.used = map[string]bool{}
		}
		st.used[key] = true
		return resp, nil
	}
	if r.capabilitiesKnown() {
		if need, name, ok := required(req, r.ClientCapabilities); !ok {
			if st.refused == nil {
				st.refused = &mcp.ClientCapabilities{}
			}
			merge(st.refused, need)
			return nil, &missingCapability{fmt.Sprintf("input %q: the client did not declare the %s capability", key, name)}
		}
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
	return sampled(key, resp, err)
}

// SampleWithTools asks the client's model for a completion that may use
// the tools p offers it (the client must declare sampling with tools).
func SampleWithTools(ctx context.Context, key string, p *CreateMessageWithToolsParams) (*CreateMessageWithToolsResult, error) {
	resp, err := RequestFrom(ctx).lookup(key, p)
	return sampled(key, resp, err)
}

func sampled(key string, resp mcp.InputResponse, err error) (*CreateMessageWithToolsResult, error) {
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
	r.in.responses, err = s.states.decode(r, state)
	if err != nil {
		return nil, nil, "", InvalidParams("invalid requestState: %v", err)
	}
	for k, v := range responses {
		if v != nil {
			if r.in.responses == nil {
				r.in.responses = mcp.InputResponseMap{}
			}
			r.in.responses[k] = v
		}
	}
	ss := r.Session()
	for round := 0; ; round++ {
		res, err = s.serve(ctx, r)
		pending = r.pendingInput()
		if pending == nil {
			if refused := r.refusal(); refused != nil && failed(res, err) {
				return nil, nil, "", refused
			}
			return res, nil, "", err
		}
		if r.multiRoundTrip() {
			newState, err = s.states.encode(r, r.usedResponses())
			return nil, pending, newState, err
		}
		if r.overHTTP() && (ss == nil || ss.ID() == "") { // no session to ask on
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
		if r.in.responses == nil {
			r.in.responses = mcp.InputResponseMap{}
		}
		for k, v := range got {
			r.in.responses[k] = v
		}
		r.in.pending = nil
		r.in.mu.Unlock()
	}
}

// failed reports whether a handler failed: an error, or a tool error
// result.
func failed(res mcp.Result, err error) bool {
	if err != nil {
		return true
	}
	ctr, ok := res.(*CallToolResult)
	return ok && ctr != nil && ctr.IsError
}

// usedResponses returns the responses the handler read, which the next
// round's state carries; answers to keys it never asked for are dropped.
func (r *Request) usedResponses() mcp.InputResponseMap {
	r.in.mu.Lock()
	defer r.in.mu.Unlock()
	out := mcp.InputResponseMap{}
	for k := range r.in.used {
		out[k] = r.in.responses[k]
	}
	return out
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
	if extra == nil || extra.Header == nil {
		return false
	}
	_, stdio := extra.Header[stdioIDKey]
	return !stdio
}

// multiRoundTrip reports whether the request's client takes input requests
// in results: its session's does (supportsMultiRoundTrip), or, without a
// session, the request is of 2026-07-28 or later, or of no known version
// (Serve outside a request).
func (r *Request) multiRoundTrip() bool {
	if ss := r.Session(); ss != nil {
		return supportsMultiRoundTrip(ss)
	}
	return r.ProtocolVersion == "" || r.ProtocolVersion >= statelessVersion
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
