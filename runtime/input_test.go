package runtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mrtrServer is a stateless JSON server with tools that ask for input, for
// talking 2026-07-28 to it with hand-made requests. runs counts handler
// runs per tool, done the runs that got every answer they asked for.
type mrtrServer struct {
	s          *Server
	url        string
	runs, done map[string]*atomic.Int32
	missing    atomic.Int32 // input requests refused for a missing capability
}

const confirmSchema = `{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}`

func newMRTRServer(t *testing.T, opts *Options) *mrtrServer {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	opts.Stateless, opts.JSONResponse = true, true
	m := &mrtrServer{s: NewServer(&Implementation{Name: "mrtr", Version: "1"}, opts),
		runs: map[string]*atomic.Int32{}, done: map[string]*atomic.Int32{}}
	ask := func(ctx context.Context, key string) (string, error) {
		res, err := Elicit(ctx, key, &ElicitParams{Message: key + "?", RequestedSchema: json.RawMessage(confirmSchema)})
		if errors.Is(err, ErrMissingCapability) {
			m.missing.Add(1)
		}
		if err != nil {
			return "", err
		}
		return string(res.Action), nil
	}
	counted := func(name string, h ToolHandler) *Tool {
		m.runs[name], m.done[name] = &atomic.Int32{}, &atomic.Int32{}
		return tool(name, "", func(ctx context.Context, args json.RawMessage) (*CallToolResult, error) {
			m.runs[name].Add(1)
			res, err := h(ctx, args)
			if err == nil && !res.IsError {
				m.done[name].Add(1)
			}
			return res, err
		})
	}
	// delete asks twice, in sequence: a confirmation, then a reason.
	del := counted("delete", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		c, err := ask(ctx, "confirm")
		if err != nil {
			return ErrorResult(err), nil
		}
		r, err := ask(ctx, "reason")
		if err != nil {
			return ErrorResult(err), nil
		}
		return TextResult("deleted: " + c + ", " + r), nil
	})
	// wipe asks only for the confirmation.
	wipe := counted("wipe", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		c, err := ask(ctx, "confirm")
		if err != nil {
			return ErrorResult(err), nil
		}
		return TextResult("wiped: " + c), nil
	})
	// fallback does without the confirmation when the client cannot give one.
	fallback := counted("fallback", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		c, err := ask(ctx, "confirm")
		if errors.Is(err, ErrMissingCapability) {
			return TextResult("no confirmation possible"), nil
		}
		if err != nil {
			return ErrorResult(err), nil
		}
		return TextResult("confirmed: " + c), nil
	})
	// whatever asks for what the client can give: sampling, else nothing.
	whatever := counted("whatever", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		var errs []error
		_, err := ask(ctx, "confirm")
		errs = append(errs, err)
		_, err = Sample(ctx, "poem", &CreateMessageParams{MaxTokens: 5, Messages: []*SamplingMessage{{Role: "user", Content: Text("hi")}}})
		errs = append(errs, err)
		_, err = Roots(ctx, "roots")
		errs = append(errs, err)
		asked := 0
		for i, err := range errs {
			if errors.Is(err, ErrMissingCapability) {
				errs[i] = nil
			} else {
				asked++
			}
		}
		if asked == 0 {
			return TextResult("nothing to ask"), nil
		}
		if err := errors.Join(errs...); err != nil {
			return ErrorResult(err), nil
		}
		return TextResult("all answered"), nil
	})
	// about reports what the request says of its client.
	about := tool("about", "", func(ctx context.Context, _ json.RawMessage) (*CallToolResult, error) {
		caps := ClientCapabilities(ctx)
		if caps == nil {
			return TextResult(ProtocolVersion(ctx) + " unknown"), nil
		}
		return TextResult(fmt.Sprintf("%s elicitation=%v sampling=%v roots=%v", ProtocolVersion(ctx),
			caps.Elicitation != nil, caps.Sampling != nil, caps.RootsV2 != nil)), nil
	})
	// The prompt fails with the handler's error.
	prompt := &Prompt{Name: "ask", Description: "asks", Handler: func(ctx context.Context, _ map[string]string) (*GetPromptResult, error) {
		c, err := ask(ctx, "confirm")
		if err != nil {
			return nil, err
		}
		return &GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: Text(c)}}}, nil
	}}
	must(t, m.s.Add(&Components{Tools: []*Tool{del, wipe, fallback, whatever, about}, Prompts: []*Prompt{prompt}}))
	srv := httptest.NewServer(m.s.Handler())
	t.Cleanup(srv.Close)
	m.url = srv.URL
	return m
}

// modernCaps is the per-request _meta of a 2026-07-28 client declaring caps.
func modernCaps(caps string) string {
	return `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientCapabilities":` + caps + `}`
}

const elicitCaps = `{"elicitation":{}}`

// rpc is a decoded JSON-RPC response.
type rpc struct {
	status int
	Result struct {
		ResultType    string                     `json:"resultType"`
		RequestState  string                     `json:"requestState"`
		InputRequests map[string]json.RawMessage `json:"inputRequests"`
		Content       []struct{ Text string }    `json:"content"`
		Messages      []json.RawMessage          `json:"messages"`
	} `json:"result"`
	Error *struct {
		Code    int64           `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
	raw string
}

// callModern sends a 2026-07-28 request for method on name with extra
// params (a JSON fragment: ,"k":v...) and the given client capabilities.
func (m *mrtrServer) callModern(t *testing.T, method, name, extra, caps string, header ...string) rpc {
	t.Helper()
	key := "name"
	if method == MethodReadResource {
		key = "uri"
	}
	c := fastCase{body: fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":%q,"params":{%q:%q%s,%s}}`, method, key, name, extra, modernCaps(caps)),
		header: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": method, "Mcp-Name": name}}
	for i := 0; i+1 < len(header); i += 2 {
		c.header[header[i]] = header[i+1]
	}
	a := post(t, m.url, c)
	var out rpc
	if err := json.Unmarshal([]byte(a.raw), &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, name, a.status, a.raw)
	}
	out.status, out.raw = a.status, a.raw
	return out
}

func (m *mrtrServer) call(t *testing.T, name, extra string) rpc {
	t.Helper()
	return m.callModern(t, MethodCallTool, name, extra, elicitCaps)
}

// retry is the extra params of a retry with state and answers.
func retry(state string, answers ...string) string {
	var b strings.Builder
	if state != "" {
		fmt.Fprintf(&b, `,"requestState":%q`, state)
	}
	if len(answers) > 0 {
		b.WriteString(`,"inputResponses":{`)
		for i, k := range answers {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `%q:{"action":"accept","content":{"ok":true}}`, k)
		}
		b.WriteByte('}')
	}
	return b.String()
}

func wantInput(t *testing.T, r rpc, keys ...string) string {
	t.Helper()
	if r.Error != nil || r.Result.ResultType != "input_required" || len(r.Result.InputRequests) != len(keys) {
		t.Fatalf("want input_required for %v: %s", keys, r.raw)
	}
	for _, k := range keys {
		if r.Result.InputRequests[k] == nil {
			t.Fatalf("no input request %q: %s", k, r.raw)
		}
	}
	if r.Result.RequestState == "" {
		t.Fatalf("input_required result without requestState: %s", r.raw)
	}
	return r.Result.RequestState
}

func wantText(t *testing.T, r rpc, text string) {
	t.Helper()
	if r.Error != nil || r.Result.ResultType != "complete" || len(r.Result.Content) != 1 || r.Result.Content[0].Text != text {
		t.Fatalf("want complete %q: %s", text, r.raw)
	}
}

func wantError(t *testing.T, r rpc, code int64, status int, contains string) {
	t.Helper()
	if r.Error == nil || r.Error.Code != code || r.status != status || !strings.Contains(r.Error.Message, contains) {
		t.Fatalf("want error %d (HTTP %d) containing %q: %d %s", code, status, contains, r.status, r.raw)
	}
}

// The requestState of a multi round-trip call carries the earlier answers,
// signed and bound to the call: from the first round on, and changing as
// answers accumulate. Both HTTP paths (go-sdk's and the fast path, which
// answers first rounds) issue it.
func TestRequestStateRounds(t *testing.T) {
	for _, noFast := range []bool{false, true} {
		t.Run(fmt.Sprintf("noFast=%v", noFast), func(t *testing.T) {
			m := newMRTRServer(t, &Options{NoFastPath: noFast})
			s1 := wantInput(t, m.call(t, "delete", ""), "confirm")
			s2 := wantInput(t, m.call(t, "delete", retry(s1, "confirm")), "reason")
			if s2 == s1 {
				t.Error("the state did not change with the first answer")
			}
			wantText(t, m.call(t, "delete", retry(s2, "reason")), "deleted: accept, accept")
			if n := m.done["delete"].Load(); n != 1 {
				t.Errorf("delete completed %d times, want 1", n)
			}
		})
	}
}

// A forged, tampered, expired or re-targeted requestState is refused with
// invalid params, and the handler never runs.
func TestRequestStateRefused(t *testing.T) {
	m := newMRTRServer(t, nil)
	clock := time.Now()
	m.s.states.now = func() time.Time { return clock }
	s1 := wantInput(t, m.call(t, "delete", ""), "confirm")
	// s2 carries the confirmation the client gave.
	s2 := wantInput(t, m.call(t, "delete", retry(s1, "confirm")), "reason")

	// Flip one character of the payload, keeping the signature.
	payload, sig, _ := strings.Cut(strings.TrimPrefix(s2, stateVersion), ".")
	js, _ := base64.RawURLEncoding.DecodeString(payload)
	altered := stateVersion + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(js), `"n":"delete"`, `"n":"wipe"`, 1))) + "." + sig
	other := NewServer(&Implementation{Name: "other", Version: "1"}, nil)
	foreign, err := other.states.encode(&Request{Method: MethodCallTool, Name: "wipe"}, mcp.InputResponseMap{"confirm": &mcp.ElicitResult{Action: "accept"}})
	must(t, err)
	for _, c := range []struct{ name, tool, state, why string }{
		// The old format: plain base64 JSON of the answers, which any client can write.
		{"forged", "wipe", base64.RawURLEncoding.EncodeToString([]byte(`{"confirm":{"action":"accept","content":{"ok":true}}}`)), "not a request state"},
		{"signed with another key", "wipe", foreign, "signature"},
		{"tampered suffix", "delete", s2 + "-TAMPERED", "signature"},
		{"altered payload", "wipe", altered, "signature"},
		{"truncated", "delete", s2[:len(s2)-3], "signature"},
		{"re-targeted to another tool", "wipe", s2, `issued for "delete"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := m.runs[c.tool].Load()
			wantError(t, m.call(t, c.tool, retry(c.state, "reason")), -32602, http.StatusBadRequest, c.why)
			if m.runs[c.tool].Load() != before {
				t.Errorf("%s ran with a refused state", c.tool)
			}
		})
	}
	t.Run("re-targeted to another method", func(t *testing.T) {
		r := m.callModern(t, MethodGetPrompt, "delete", retry(s2), elicitCaps)
		wantError(t, r, -32602, http.StatusBadRequest, "issued for tools/call")
	})
	t.Run("expired", func(t *testing.T) {
		clock = clock.Add(DefaultRequestStateTTL + time.Second)
		before := m.runs["delete"].Load()
		wantError(t, m.call(t, "delete", retry(s2, "reason")), -32602, http.StatusBadRequest, "expired")
		if m.runs["delete"].Load() != before {
			t.Error("delete ran with an expired state")
		}
	})
	if n := m.done["wipe"].Load() + m.done["delete"].Load(); n != 0 {
		t.Errorf("%d calls completed with answers the client never gave", n)
	}
}

// A state is bound to the session Options.SessionKey names.
func TestRequestStateBoundToSession(t *testing.T) {
	m := newMRTRServer(t, &Options{SessionKey: func(r *Request) string { return r.Header.Get("X-User") }})
	s1 := wantInput(t, m.callModern(t, MethodCallTool, "delete", "", elicitCaps, "X-User", "ann"), "confirm")
	s2 := wantInput(t, m.callModern(t, MethodCallTool, "delete", retry(s1, "confirm"), elicitCaps, "X-User", "ann"), "reason")
	wantError(t, m.callModern(t, MethodCallTool, "delete", retry(s2, "reason"), elicitCaps, "X-User", "bob"), -32602, http.StatusBadRequest, "another session")
	wantText(t, m.callModern(t, MethodCallTool, "delete", retry(s2, "reason"), elicitCaps, "X-User", "ann"), "deleted: accept, accept")
}

// Replicas that share a key, from Options or the environment, accept each
// other's states; a short key is refused at NewServer.
func TestRequestStateKey(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	a, b := newMRTRServer(t, &Options{RequestStateKey: key}), newMRTRServer(t, &Options{RequestStateKey: key})
	s1 := wantInput(t, a.call(t, "delete", ""), "confirm")
	s2 := wantInput(t, b.call(t, "delete", retry(s1, "confirm")), "reason")
	wantText(t, a.call(t, "delete", retry(s2, "reason")), "deleted: accept, accept")

	t.Setenv(RequestStateKeyEnv, strings.Repeat("e", 40))
	c, d := newMRTRServer(t, nil), newMRTRServer(t, nil)
	s1 = wantInput(t, c.call(t, "delete", ""), "confirm")
	wantInput(t, d.call(t, "delete", retry(s1, "confirm")), "reason")
	wantError(t, a.call(t, "delete", retry(s1, "confirm")), -32602, http.StatusBadRequest, "signature")

	for _, c := range []struct {
		name string
		opts *Options
		env  string
	}{{"option", &Options{RequestStateKey: []byte("short")}, ""}, {"environment", nil, "short"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(RequestStateKeyEnv, c.env)
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "at least 32") {
					t.Errorf("short key: panic %v", v)
				}
			}()
			NewServer(&Implementation{Name: "t", Version: "1"}, c.opts)
		})
	}
}

// The answers of the current round count whether or not a state came with
// them; answers to keys the handler never asked for are dropped from the
// next state.
func TestRequestStateCarriesOnlyUsedAnswers(t *testing.T) {
	m := newMRTRServer(t, nil)
	s := wantInput(t, m.call(t, "delete", retry("", "confirm", "unrelated")), "reason")
	payload, _, _ := strings.Cut(strings.TrimPrefix(s, stateVersion), ".")
	js, _ := base64.RawURLEncoding.DecodeString(payload)
	if !strings.Contains(string(js), `"confirm"`) || strings.Contains(string(js), "unrelated") {
		t.Errorf("state content %s", js)
	}
}

// An input request the client did not declare the capability for is never
// sent: the handler gets ErrMissingCapability; if it fails with it, the
// client gets -32021 (HTTP 400) with the capability in the data, and if it
// does without, its result.
func TestInputNeedsCapability(t *testing.T) {
	for _, noFast := range []bool{false, true} {
		t.Run(fmt.Sprintf("noFast=%v", noFast), func(t *testing.T) {
			m := newMRTRServer(t, &Options{NoFastPath: noFast})
			r := m.callModern(t, MethodCallTool, "wipe", "", `{"sampling":{}}`)
			wantError(t, r, -32021, http.StatusBadRequest, "elicitation")
			if string(r.Error.Data) != `{"requiredCapabilities":{"elicitation":{}}}` {
				t.Errorf("error data %s", r.Error.Data)
			}
			if m.missing.Load() != 1 {
				t.Errorf("handler saw ErrMissingCapability %d times, want 1", m.missing.Load())
			}
			wantText(t, m.callModern(t, MethodCallTool, "fallback", "", `{}`), "no confirmation possible")
			wantInput(t, m.callModern(t, MethodCallTool, "whatever", "", `{"sampling":{}}`), "poem")
			wantInput(t, m.callModern(t, MethodCallTool, "whatever", "", `{"roots":{},"elicitation":{}}`), "confirm", "roots")
			wantText(t, m.callModern(t, MethodCallTool, "whatever", "", `{}`), "nothing to ask")
			wantError(t, m.callModern(t, MethodGetPrompt, "ask", "", `{}`), -32021, http.StatusBadRequest, "elicitation")
		})
	}
}

// connectVersion is connect at a given protocol version.
func connectVersion(t *testing.T, s *Server, version string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ss, err := s.MCP().Connect(ctx, st, nil)
	must(t, err)
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts).Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: version})
	must(t, err)
	t.Cleanup(func() { cs.Close() })
	return cs
}

// The same refusal for go-sdk's client, which declares no elicitation
// capability without an ElicitationHandler: at initialize before
// 2026-07-28, per request since.
func TestInputNeedsCapabilityGoSDKClient(t *testing.T) {
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			m := newMRTRServer(t, nil)
			cs := connectVersion(t, m.s, version, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "wipe"})
			var je *jsonrpc.Error
			if !errors.As(err, &je) || je.Code != -32021 {
				t.Fatalf("call without the capability: %v", err)
			}
			if got := resultText(call(t, cs, "fallback", nil)); got != "no confirmation possible" {
				t.Errorf("fallback = %q", got)
			}
			if m.runs["wipe"].Load() != 1 || m.done["wipe"].Load() != 0 {
				t.Errorf("wipe ran %d times, completed %d", m.runs["wipe"].Load(), m.done["wipe"].Load())
			}
		})
	}
}

// ProtocolVersion and ClientCapabilities report the request's own, per
// request in 2026-07-28 and from the session before.
func TestProtocolVersionAndCapabilities(t *testing.T) {
	m := newMRTRServer(t, nil)
	wantText(t, m.callModern(t, MethodCallTool, "about", "", `{"sampling":{},"roots":{}}`), "2026-07-28 elicitation=false sampling=true roots=true")
	wantText(t, m.callModern(t, MethodCallTool, "about", "", `{}`), "2026-07-28 elicitation=false sampling=false roots=false")
	cs := connectVersion(t, m.s, "2025-11-25", &mcp.ClientOptions{ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: "accept"}, nil
	}})
	got := resultText(call(t, cs, "about", nil))
	if got != "2025-11-25 elicitation=true sampling=false roots=true" {
		t.Errorf("about over a session = %q", got)
	}
	if ProtocolVersion(context.Background()) != "" || ClientCapabilities(context.Background()) != nil {
		t.Error("outside a request: want nothing")
	}
}
