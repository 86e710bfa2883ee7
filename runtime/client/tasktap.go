package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"weak"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// How a go-sdk client is made to call task tools.
//
// go-sdk decodes every tools/call answer into an mcp.CallToolResult,
// which has no field for a task: a CreateTaskResult ({"resultType":
// "task","taskId":...}, or {"task":{...}} under protocol 2025-11-25)
// would come back as an empty result, its task id lost. go-sdk offers no
// hook between the wire and that decoding, and custom methods may not
// shadow tools/call, so Tasks taps the transport instead: below the
// JSON-RPC layer, a task result is rewritten into a CallToolResult whose
// _meta carries the original (metaTask), which go-sdk keeps and StartCall
// reads back. Everything else of tools/call stays go-sdk's (the per-request
// capabilities, Mcp-Param headers, multi round-trip input requests).
//
// The tap also does what go-sdk cannot be asked to: it sets Mcp-Name to
// the task id on tasks/* requests over HTTP; it sends a subscriptions/listen
// for task ids (go-sdk's own listen knows only its fixed members, and
// answers nothing back), which goes through go-sdk as the custom method
// methodListen and gets its wire name here; it hands the notifications of
// such a stream (notifications/subscriptions/acknowledged,
// notifications/tasks), which go-sdk would drop as unknown, to the waiting
// Task; and, for 2025-11-25, it adds params.task to tools/call (go-sdk's
// CallToolParams has no such field) and hands notifications/tasks/status
// on. The tap works on HTTP request and response bodies (RoundTripper:
// go-sdk's streamable connection must not be wrapped, it has unexported
// hooks) and on the messages of other transports (Transport: stdio).
// Call finds the Tasks of a session through its client's middleware,
// which ties each session to it (bind).
//
// Only the calls that can follow a task declare the tasks extension:
// client capabilities are per request in 2026-07-28, and a server may run
// any call of a task-optional tool that declares it as a task, which a
// caller of ClientSession.CallTool could not follow. StartCall marks its
// tools/call (metaTasks), and the tap turns the mark into the extension in
// the request's _meta clientCapabilities; tasks/* and the task listen
// stream always declare it. The tap keeps, per session, the ids of the
// tools/call requests in flight and rewrites only their answers: a task
// that answers an unmarked call becomes an isError result naming the task
// (the call cannot follow it), anything else passes as it came. A session
// is the tapped connection (Transport), or over HTTP the Mcp-Session-Id of
// the requests, or, without one (2026-07-28 is stateless), the HTTP round
// trip, whose response carries the answer and the listen stream's
// notifications. Under 2025-11-25 the server runs a call as a task only
// when it asks (params.task), which StartCall does for required tools.

// TasksExtension identifies the tasks extension of protocol 2026-07-28.
const TasksExtension = "io.modelcontextprotocol/tasks"

const (
	// metaTask is the _meta key under which a rewritten result carries
	// the server's task result, as it came.
	metaTask = "mcpgen.client/task"
	// metaAskTask, in a 2025-11-25 tools/call's _meta, asks the tap for
	// params.task (its value).
	metaAskTask = "mcpgen.client/askTask"
	// metaTasks, in a tools/call's _meta, marks a call that follows a
	// task result (StartCall's): the tap declares the tasks extension in
	// its client capabilities, and rewrites a task result for it.
	metaTasks = "mcpgen.client/tasks"
	// metaListen, in a methodListen's _meta, names the Task waiting for
	// the stream's messages.
	metaListen = "mcpgen.client/listen"
	// methodListen is subscriptions/listen for task ids, under a name of
	// its own for go-sdk; the tap sends it as subscriptions/listen.
	methodListen = "mcpgen.client/subscriptions/listen"
)

// Tasks is the client side of background tasks for the sessions of one
// go-sdk client: with it, Call and StartCall wait for a task tool's task
// and return its result. Connect and ConnectCommand set it up; a client
// built by hand gets it with NewClient, plus RoundTripper (for HTTP
// transports, on the transport's HTTP client) or Transport (stdio and
// other message transports).
//
// Only the calls made with Call, StartCall, CallTool and CallStructured
// declare the tasks extension (capabilities are per request in
// 2026-07-28), so a server runs only those as tasks; a task that answers
// another call (ClientSession.CallTool) all the same becomes an isError
// result naming the task.
type Tasks struct {
	// Status, if set, is called with each state of a task that Wait
	// observes: its creation, and each change of status or message
	// (task progress shows as the message). It must not block long.
	Status func(*TaskState)
	// Elicit answers a task's elicitation requests; NewClient sets it to
	// the client options' ElicitationHandler when nil.
	Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)

	mu      sync.Mutex
	seq     int
	listens map[string]chan listenEvent // by metaListen token
	subs    map[callKey]string          // listen request -> token
	calls   map[callKey]bool            // tools/call in flight -> whether it follows tasks
	watches map[string]chan *TaskState  // task id -> 2025-11-25 status notifications
	support map[string]string           // tool name -> execution.taskSupport, from tools/list
}

// callKey names a request of a session: sess is the session as the tap
// tells it (see the top of the file), id the request's normID.
type callKey struct {
	sess any
	id   string
}

// listenEvent is a message of a task listen stream.
type listenEvent struct {
	agreed []string   // an acknowledgement: the task ids the server agreed to
	state  *TaskState // a notifications/tasks
}

// NewClient returns a go-sdk client whose sessions can call task tools:
// it registers the tasks methods and the middleware through which Call
// finds ts. The client's capabilities are opts'; the tap declares the
// tasks extension on the requests that follow tasks.
func (ts *Tasks) NewClient(impl *mcp.Implementation, opts *mcp.ClientOptions) *mcp.Client {
	var o mcp.ClientOptions
	if opts != nil {
		o = *opts
	}
	if ts.Elicit == nil {
		ts.Elicit = o.ElicitationHandler
	}
	c := mcp.NewClient(impl, &o)
	ts.install(c)
	return c
}

func (ts *Tasks) install(c *mcp.Client) {
	// None of these names is a standard method's: no error.
	mcp.AddSendingCustomMethod[*taskParams, *rawResult](c, "tasks/get")
	mcp.AddSendingCustomMethod[*taskParams, *rawResult](c, "tasks/update")
	mcp.AddSendingCustomMethod[*taskParams, *rawResult](c, "tasks/cancel")
	mcp.AddSendingCustomMethod[*taskParams, *mcp.CallToolResult](c, "tasks/result")
	mcp.AddSendingCustomMethod[*listenParams, *rawResult](c, methodListen)
	// Every request of a session passes here, its first one (server/discover
	// or initialize) while connecting: the session is tied to ts then.
	c.AddSendingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if cs, ok := req.GetSession().(*mcp.ClientSession); ok {
				ts.bind(cs)
			}
			return next(ctx, method, req)
		}
	})
}

// sessionTasks ties the sessions of clients made by Tasks.NewClient to
// their Tasks, as long as the session exists.
var sessionTasks sync.Map // weak.Pointer[mcp.ClientSession] -> *Tasks

func (ts *Tasks) bind(cs *mcp.ClientSession) {
	k := weak.Make(cs)
	if _, loaded := sessionTasks.LoadOrStore(k, ts); !loaded {
		goruntime.AddCleanup(cs, func(k weak.Pointer[mcp.ClientSession]) { sessionTasks.Delete(k) }, k)
	}
}

// tasksOf returns the Tasks of the session's client, nil if it has none.
func tasksOf(s *mcp.ClientSession) *Tasks {
	v, ok := sessionTasks.Load(weak.Make(s))
	if !ok {
		return nil
	}
	return v.(*Tasks)
}

// taskParams are the params of tasks/get, tasks/update, tasks/cancel
// and tasks/result.
type taskParams struct {
	mcp.ParamsBase
	TaskID         string                     `json:"taskId"`
	InputResponses map[string]json.RawMessage `json:"inputResponses,omitempty"`
}

type listenParams struct {
	mcp.ParamsBase
	Notifications struct {
		TaskIDs []string `json:"taskIds"`
	} `json:"notifications"`
}

// rawResult keeps a result as it came.
type rawResult struct {
	mcp.ResultBase
	raw json.RawMessage
}

func (r *rawResult) UnmarshalJSON(b []byte) error {
	r.raw = append(json.RawMessage(nil), b...)
	return nil
}

func (r *rawResult) MarshalJSON() ([]byte, error) { return r.raw, nil }

// listen registers a task listen stream and returns its token.
func (ts *Tasks) listen() (string, chan listenEvent) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.seq++
	token := strconv.Itoa(ts.seq)
	ch := make(chan listenEvent, 64)
	if ts.listens == nil {
		ts.listens = map[string]chan listenEvent{}
	}
	ts.listens[token] = ch
	return token, ch
}

func (ts *Tasks) unlisten(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.listens, token)
	for k, t := range ts.subs {
		if t == token {
			delete(ts.subs, k)
		}
	}
}

// forget drops what the tap keeps of the requests of sess (an HTTP round
// trip whose response ended).
func (ts *Tasks) forget(sess any) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for k := range ts.calls {
		if k.sess == sess {
			delete(ts.calls, k)
		}
	}
	for k := range ts.subs {
		if k.sess == sess {
			delete(ts.subs, k)
		}
	}
}

// inFlight reports whether some tools/call is in flight.
func (ts *Tasks) inFlight() bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.calls) > 0
}

// answered returns whether the response id of sess answers a tools/call
// in flight, and whether that call follows tasks; the call is no longer
// in flight.
func (ts *Tasks) answered(sess any, id json.RawMessage) (call, follows bool) {
	if len(id) == 0 {
		return false, false
	}
	k := callKey{sess, normID(id)}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	follows, call = ts.calls[k]
	delete(ts.calls, k)
	return call, follows
}

// watch registers for the 2025-11-25 status notifications of task id.
func (ts *Tasks) watch(id string) chan *TaskState {
	ch := make(chan *TaskState, 64)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.watches == nil {
		ts.watches = map[string]chan *TaskState{}
	}
	ts.watches[id] = ch
	return ch
}

func (ts *Tasks) unwatch(id string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.watches, id)
}

// taskSupport returns a tool's execution.taskSupport as tools/list told
// it, and whether a tools/list told anything of the tool.
func (ts *Tasks) taskSupport(tool string) (string, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	v, ok := ts.support[tool]
	return v, ok
}

// outbound rewrites a request of sess on its way to the server: a task
// listen becomes subscriptions/listen, a 2025-11-25 tools/call asking for
// a task gets params.task, the requests that follow tasks declare the
// tasks extension; it keeps the ids of tools/call and listen requests. It
// returns the method and params to send and whether they changed.
func (ts *Tasks) outbound(sess any, id json.RawMessage, method string, params json.RawMessage) (string, json.RawMessage, bool) {
	switch method {
	case methodListen:
		p, token := cutMeta(params, metaListen)
		if s, ok := token.(string); ok && len(id) > 0 {
			ts.mu.Lock()
			if ts.subs == nil {
				ts.subs = map[callKey]string{}
			}
			ts.subs[callKey{sess, normID(id)}] = s
			ts.mu.Unlock()
		}
		p, _ = declareTasks(p)
		return "subscriptions/listen", p, true
	case "tasks/get", "tasks/update", "tasks/cancel", "tasks/result":
		p, changed := declareTasks(params)
		return method, p, changed
	case "notifications/cancelled":
		var c struct {
			RequestID json.RawMessage `json:"requestId"`
		}
		if json.Unmarshal(params, &c) == nil {
			ts.answered(sess, c.RequestID)
		}
		return method, params, false
	case "tools/call":
	default:
		return method, params, false
	}
	p, follows, changed := params, false, false
	if bytes.Contains(p, []byte(metaTasks)) {
		var mark any
		if p, mark = cutMeta(p, metaTasks); mark != nil {
			follows, changed = true, true
			p, _ = declareTasks(p)
		}
	}
	if len(id) > 0 {
		ts.mu.Lock()
		if ts.calls == nil {
			ts.calls = map[callKey]bool{}
		}
		ts.calls[callKey{sess, normID(id)}] = follows
		ts.mu.Unlock()
	}
	if !bytes.Contains(p, []byte(metaAskTask)) {
		return method, p, changed
	}
	q, ask := cutMeta(p, metaAskTask)
	if ask == nil {
		return method, p, changed
	}
	var m map[string]any
	if json.Unmarshal(q, &m) != nil {
		return method, p, changed
	}
	m["task"] = ask
	js, err := json.Marshal(m)
	if err != nil {
		return method, p, changed
	}
	return method, js, true
}

// declareTasks adds the tasks extension to the client capabilities in
// params' _meta (2026-07-28); params without them (older protocols) are
// left as they are.
func declareTasks(params json.RawMessage) (json.RawMessage, bool) {
	if !bytes.Contains(params, []byte(mcp.MetaKeyClientCapabilities)) {
		return params, false
	}
	var m, meta, caps, exts map[string]json.RawMessage
	if json.Unmarshal(params, &m) != nil || json.Unmarshal(m["_meta"], &meta) != nil || meta == nil {
		return params, false
	}
	raw, ok := meta[mcp.MetaKeyClientCapabilities]
	if !ok || json.Unmarshal(raw, &caps) != nil || caps == nil {
		return params, false
	}
	if raw, ok := caps["extensions"]; ok && json.Unmarshal(raw, &exts) != nil {
		return params, false
	}
	if _, ok := exts[TasksExtension]; ok {
		return params, false
	}
	if exts == nil {
		exts = map[string]json.RawMessage{}
	}
	exts[TasksExtension] = json.RawMessage(`{}`)
	var err error
	if caps["extensions"], err = json.Marshal(exts); err != nil {
		return params, false
	}
	if meta[mcp.MetaKeyClientCapabilities], err = json.Marshal(caps); err != nil {
		return params, false
	}
	if m["_meta"], err = json.Marshal(meta); err != nil {
		return params, false
	}
	out, err := json.Marshal(m)
	if err != nil {
		return params, false
	}
	return out, true
}

// cutMeta removes _meta[key] from params and returns the params left and
// the value removed (nil when there was none).
func cutMeta(params json.RawMessage, key string) (json.RawMessage, any) {
	var m map[string]json.RawMessage
	if json.Unmarshal(params, &m) != nil {
		return params, nil
	}
	var meta map[string]any
	if json.Unmarshal(m["_meta"], &meta) != nil || meta[key] == nil {
		return params, nil
	}
	v := meta[key]
	delete(meta, key)
	if len(meta) == 0 {
		delete(m, "_meta")
	} else {
		m["_meta"], _ = json.Marshal(meta)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return params, nil
	}
	return out, v
}

// normID is a JSON-RPC id's canonical JSON, for comparisons.
func normID(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	js, _ := json.Marshal(v)
	return string(js)
}

// inbound looks at a message from the server to sess: it hands task
// notifications to their waiters, records the task support of listed
// tools, and rewrites the task result that answers a tools/call (see the
// top of the file). id is a response's id, result its result (nil for an
// error response). It returns the result to deliver in place of result,
// or nil to keep it.
func (ts *Tasks) inbound(sess any, id json.RawMessage, method string, params, result json.RawMessage) json.RawMessage {
	switch method {
	case "notifications/subscriptions/acknowledged", "notifications/tasks":
		ts.subscription(sess, method, params)
		return nil
	case "notifications/tasks/status":
		var st TaskState
		if st.decode(params) == nil && st.ID != "" {
			ts.mu.Lock()
			ch := ts.watches[st.ID]
			ts.mu.Unlock()
			if ch != nil {
				select {
				case ch <- &st:
				default: // advisory: the waiter reads the end from tasks/result
				}
			}
		}
		return nil
	case "":
	default:
		return nil
	}
	call, follows := ts.answered(sess, id)
	if len(result) == 0 {
		return nil
	}
	if !call {
		if bytes.Contains(result, []byte(`"tools"`)) && bytes.Contains(result, []byte(`"taskSupport"`)) {
			ts.recordSupport(result)
		}
		return nil
	}
	if !bytes.Contains(result, []byte(`"task`)) {
		return nil
	}
	var probe struct {
		ResultType string          `json:"resultType"`
		TaskID     string          `json:"taskId"`
		Task       json.RawMessage `json:"task"`
		Content    json.RawMessage `json:"content"`
	}
	if json.Unmarshal(result, &probe) != nil {
		return nil
	}
	legacy := len(probe.Task) > 0 && probe.Content == nil && bytes.Contains(probe.Task, []byte(`"taskId"`))
	if !(probe.ResultType == "task" && probe.TaskID != "") && !legacy {
		return nil
	}
	var out any = map[string]any{"content": []any{}, "_meta": map[string]json.RawMessage{metaTask: result}}
	if !follows {
		id := probe.TaskID
		if legacy {
			var t struct {
				TaskID string `json:"taskId"`
			}
			json.Unmarshal(probe.Task, &t)
			id = t.TaskID
		}
		out = &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: unfollowed(id)}}}
	}
	js, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return js
}

// unfollowed is the error text of a task result that answers a call
// made without runtime/client.
func unfollowed(taskID string) string {
	return "the server runs this call as task " + strconv.Quote(taskID) + ", which this call cannot follow: call the tool through runtime/client (Call, StartCall, CallTool or CallStructured) to wait for the task and get its result"
}

func (ts *Tasks) recordSupport(result json.RawMessage) {
	var list struct {
		Tools []struct {
			Name      string `json:"name"`
			Execution *struct {
				TaskSupport string `json:"taskSupport"`
			} `json:"execution"`
		} `json:"tools"`
	}
	if json.Unmarshal(result, &list) != nil {
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.support == nil {
		ts.support = map[string]string{}
	}
	for _, t := range list.Tools {
		v := ""
		if t.Execution != nil {
			v = t.Execution.TaskSupport
		}
		ts.support[t.Name] = v
	}
}

// subscription hands a task listen stream's message to its waiter.
func (ts *Tasks) subscription(sess any, method string, params json.RawMessage) {
	var p struct {
		Meta          map[string]json.RawMessage `json:"_meta"`
		Notifications struct {
			TaskIDs []string `json:"taskIds"`
		} `json:"notifications"`
	}
	if json.Unmarshal(params, &p) != nil {
		return
	}
	sub, ok := p.Meta[mcp.MetaKeySubscriptionID]
	if !ok {
		return
	}
	ts.mu.Lock()
	ch := ts.listens[ts.subs[callKey{sess, normID(sub)}]]
	ts.mu.Unlock()
	if ch == nil {
		return
	}
	ev := listenEvent{agreed: p.Notifications.TaskIDs}
	if method == "notifications/tasks" {
		var st TaskState
		if st.decode(params) != nil {
			return
		}
		ev = listenEvent{state: &st}
	} else if ev.agreed == nil {
		ev.agreed = []string{}
	}
	select {
	case ch <- ev:
	default: // advisory: the waiter polls too
	}
}

// RoundTripper returns base (http.DefaultTransport when nil) with the
// tasks tap: give it to the HTTP client of a streamable HTTP (or
// HTTP+SSE) transport whose sessions use ts.
func (ts *Tasks) RoundTripper(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &tapRoundTripper{ts: ts, base: base}
}

type tapRoundTripper struct {
	ts   *Tasks
	base http.RoundTripper
}

// maxTapped bounds the request bodies the tap reads.
const maxTapped = 8 << 20

// roundTrip is the session of the requests of an HTTP round trip
// without Mcp-Session-Id (see the top of the file).
type roundTrip struct{ _ byte }

// httpSession is the session of an HTTP session id.
type httpSession string

func (rt *tapRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	var sess any = httpSession(r.Header.Get("Mcp-Session-Id"))
	if sess == httpSession("") {
		sess = &roundTrip{}
	}
	if r.Method == http.MethodPost && r.Body != nil && r.GetBody != nil && r.ContentLength <= maxTapped {
		if r2, err := rt.request(sess, r); err == nil {
			r = r2
		}
	}
	resp, err := rt.base.RoundTrip(r)
	if err != nil || resp.Body == nil {
		if _, ok := sess.(*roundTrip); ok {
			rt.ts.forget(sess)
		}
		return resp, err
	}
	switch ct := resp.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/event-stream"):
		resp.Body = &sseTap{ts: rt.ts, sess: sess, body: resp.Body, in: bufio.NewReader(resp.Body)}
		return resp, nil
	case strings.HasPrefix(ct, "application/json"):
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			if _, ok := sess.(*roundTrip); ok {
				rt.ts.forget(sess)
			}
			return nil, err
		}
		out := rt.ts.message(sess, body)
		if _, ok := sess.(*roundTrip); ok {
			rt.ts.forget(sess)
		}
		if out != nil {
			body = out
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Length")
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	if _, ok := sess.(*roundTrip); ok {
		rt.ts.forget(sess) // no message comes back on it
	}
	return resp, nil
}

// request returns r rewritten by outbound, with the headers of the
// method it sends (Mcp-Method; Mcp-Name, the task id, for tasks/*).
func (rt *tapRoundTripper) request(sess any, r *http.Request) (*http.Request, error) {
	body, err := r.GetBody()
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(body, maxTapped))
	body.Close()
	if err != nil {
		return nil, err
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(raw, &msg) != nil || msg.Method == "" {
		return nil, errors.New("not a request")
	}
	method, params, changed := rt.ts.outbound(sess, msg.ID, msg.Method, msg.Params)
	named := strings.HasPrefix(method, "tasks/") && r.Header.Get("Mcp-Method") != ""
	if !changed && !named {
		return nil, errors.New("unchanged")
	}
	r = r.Clone(r.Context())
	if changed {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		m["method"], _ = json.Marshal(method)
		m["params"] = params
		if raw, err = json.Marshal(m); err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
		r.ContentLength = int64(len(raw))
		if r.Header.Get("Mcp-Method") != "" {
			r.Header.Set("Mcp-Method", method)
		}
	}
	if named {
		var p struct {
			TaskID string `json:"taskId"`
		}
		if json.Unmarshal(params, &p) == nil && p.TaskID != "" {
			r.Header.Set("Mcp-Name", p.TaskID)
		}
	}
	return r, nil
}

// message applies inbound to one JSON-RPC message to sess and returns it
// rewritten, or nil when it is unchanged.
func (ts *Tasks) message(sess any, data []byte) []byte {
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
	}
	if !bytes.Contains(data, []byte("task")) && !bytes.Contains(data, []byte("subscriptions/acknowledged")) {
		// Neither a task result nor a listen stream's message: only a
		// call in flight to forget, which a round trip forgets at its end.
		if _, ok := sess.(*roundTrip); ok || !ts.inFlight() {
			return nil
		}
	}
	if json.Unmarshal(data, &msg) != nil {
		return nil
	}
	if msg.Method != "" {
		msg.ID = nil // a request's id is no response's
	}
	out := ts.inbound(sess, msg.ID, msg.Method, msg.Params, msg.Result)
	if out == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	m["result"] = out
	js, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return js
}

// maxTapEvent bounds the events the tap reads whole, as go-sdk's
// DefaultMaxEventSize bounds the events of its SSE scanner: the bytes of
// a longer event pass through unmodified as they come (go-sdk then
// applies its own bound), so that a server's endless line cannot grow
// the client's memory without bound.
var maxTapEvent = mcp.DefaultMaxEventSize

// sseTap applies inbound to the events of an SSE response as they are
// read. An event's data lines are replaced by one when it changes.
type sseTap struct {
	ts   *Tasks
	sess any
	body io.Closer
	in   *bufio.Reader
	out  bytes.Buffer
	err  error
	// pass is set while the rest of an event longer than maxTapEvent
	// passes through; midLine while that is in the middle of a line.
	pass, midLine bool
}

func (s *sseTap) Read(p []byte) (int, error) {
	for s.out.Len() == 0 && s.err == nil {
		if s.pass {
			s.passThrough()
		} else {
			s.event()
		}
	}
	if s.out.Len() > 0 {
		return s.out.Read(p)
	}
	return 0, s.err
}

// event reads one event (up to a blank line) into out; one longer than
// maxTapEvent goes to out as it came so far, and passThrough takes over.
func (s *sseTap) event() {
	var raw []byte
	var ends []int // the end of each complete line in raw
	for {
		chunk, err := s.in.ReadSlice('\n')
		raw = append(raw, chunk...)
		if len(raw) > maxTapEvent {
			s.out.Write(raw)
			s.pass, s.midLine = true, raw[len(raw)-1] != '\n'
			if err != nil && err != bufio.ErrBufferFull {
				s.err = err
			}
			return
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			from := 0
			if len(ends) > 0 {
				from = ends[len(ends)-1]
			}
			ends = append(ends, len(raw))
			if len(bytes.TrimRight(raw[from:], "\r\n")) == 0 {
				break
			}
		}
		if err != nil {
			s.err = err
			if len(ends) == 0 || ends[len(ends)-1] != len(raw) {
				ends = append(ends, len(raw)) // the last line, unterminated
			}
			break
		}
	}
	var lines []string
	var data []string
	from := 0
	for _, end := range ends {
		line := string(raw[from:end])
		from = end
		if line == "" {
			continue
		}
		lines = append(lines, line)
		if d, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data:"); ok {
			data = append(data, strings.TrimPrefix(d, " "))
		}
	}
	var changed []byte
	if len(data) > 0 {
		changed = s.ts.message(s.sess, []byte(strings.Join(data, "\n")))
	}
	wrote := false
	for _, line := range lines {
		if changed != nil && strings.HasPrefix(line, "data:") {
			if !wrote {
				s.out.WriteString("data: ")
				s.out.Write(changed)
				s.out.WriteString("\n")
				wrote = true
			}
			continue
		}
		s.out.WriteString(line)
	}
}

// passThrough copies what the reader has of an overlong event to out,
// up to the blank line that ends it.
func (s *sseTap) passThrough() {
	chunk, err := s.in.ReadSlice('\n')
	s.out.Write(chunk)
	if len(chunk) > 0 {
		if !s.midLine && len(bytes.TrimRight(chunk, "\r\n")) == 0 {
			s.pass = false
		}
		s.midLine = chunk[len(chunk)-1] != '\n'
	}
	if err != nil && err != bufio.ErrBufferFull {
		s.err = err
	}
}

func (s *sseTap) Close() error {
	if _, ok := s.sess.(*roundTrip); ok {
		s.ts.forget(s.sess)
	}
	return s.body.Close()
}

// Transport returns t with the tasks tap on its messages: for stdio and
// other message transports whose sessions use ts. A streamable HTTP or
// HTTP+SSE transport gets the tap on its HTTP client instead (a copy of
// it is returned), as go-sdk's HTTP connections must not be wrapped.
func (ts *Tasks) Transport(t mcp.Transport) mcp.Transport {
	switch t := t.(type) {
	case *mcp.StreamableClientTransport:
		c := *t
		c.HTTPClient = ts.httpClient(t.HTTPClient)
		return &c
	case *mcp.SSEClientTransport:
		c := *t
		c.HTTPClient = ts.httpClient(t.HTTPClient)
		return &c
	}
	return &tapTransport{inner: t, ts: ts}
}

func (ts *Tasks) httpClient(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.Transport = ts.RoundTripper(hc.Transport)
	return &c
}

type tapTransport struct {
	inner mcp.Transport
	ts    *Tasks
}

func (t *tapTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	conn, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &tapConn{Connection: conn, ts: t.ts}, nil
}

type tapConn struct {
	mcp.Connection
	ts *Tasks
}

func (c *tapConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if req, ok := msg.(*jsonrpc.Request); ok {
		var id json.RawMessage
		if req.IsCall() {
			id, _ = json.Marshal(req.ID.Raw())
		}
		if method, params, changed := c.ts.outbound(c, id, req.Method, req.Params); changed {
			r := *req
			r.Method, r.Params = method, params
			msg = &r
		}
	}
	return c.Connection.Write(ctx, msg)
}

func (c *tapConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if err != nil {
		return msg, err
	}
	switch m := msg.(type) {
	case *jsonrpc.Request:
		if !m.IsCall() {
			c.ts.inbound(c, nil, m.Method, m.Params, nil)
		}
	case *jsonrpc.Response:
		id, _ := json.Marshal(m.ID.Raw())
		var result json.RawMessage
		if m.Error == nil {
			result = m.Result
		}
		if out := c.ts.inbound(c, id, "", nil, result); out != nil {
			r := *m
			r.Result = out
			msg = &r
		}
	}
	return msg, nil
}
