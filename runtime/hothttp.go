package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime/codec"
	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The runtime's own path on stateful streamable HTTP (hot.go).
//
// go-sdk keeps its sessions to itself, so the guard keeps its own record of
// them: a session is recorded when go-sdk answers its initialize, and a
// POST that carries one of its ids and a request of a hot method is
// answered here, with the checks go-sdk makes first (DNS rebinding, the
// protocol version header, content type and Accept, Last-Event-ID, the
// user the session belongs to, a request id already in flight). The
// response is what go-sdk writes: the JSON-RPC response as
// application/json with Options.JSONResponse, otherwise an SSE stream
// carrying the call's progress, log and list_changed notifications before
// the response, as go-sdk sends them on the call's stream. With JSON
// responses, go-sdk sends a call's notifications and requests on the
// session's standalone stream; so does the runtime's path, through the
// session.
//
// What stays with go-sdk: initialize, the GET stream, DELETE, requests of
// 2026-07-28 (which go-sdk's stateful handler refuses), sessions whose
// client can be asked for input over an SSE response (elicitation,
// sampling, roots: go-sdk sends those requests on the call's stream), and
// servers with an Options.EventStore (responses resumable on another
// stream). Since go-sdk no longer sees every POST of a session, the
// idle timeout of sessions (Options.SessionTimeout) is kept here instead
// of by go-sdk, with go-sdk's rules: it counts from the end of the
// session's last POST and pauses while POSTs are in flight.

// httpSessions is the record of one handler's stateful sessions.
type httpSessions struct {
	s       *Server
	timeout time.Duration // idle timeout; 0: none

	mu   sync.Mutex
	byID map[string]*httpSession
}

// httpSession is one recorded session.
type httpSession struct {
	hs     *httpSessions
	id     string
	ss     *mcp.ServerSession
	userID string // the user go-sdk bound the session to, if any

	mu    sync.Mutex
	refs  int                 // POSTs in flight
	timer *time.Timer         // nil once the session is gone
	calls map[string]*hotCall // in flight on either path (nil for go-sdk's), by canonical id
	rec   *session            // the server's record, once it has one (it sees the session close)
}

func newHTTPSessions(s *Server, timeout time.Duration) *httpSessions {
	return &httpSessions{s: s, timeout: timeout, byID: map[string]*httpSession{}}
}

// initSlot is where the receiving chain leaves the session an initialize
// created, for the guard to record once go-sdk has answered it.
type initSlot struct {
	mu sync.Mutex
	ss *mcp.ServerSession
}

type initSlotKey struct{}

// noteSession records what the runtime's own paths need to know of a
// session from what go-sdk answered: the session an initialize created,
// and the log level a client set.
func (s *Server) noteSession(ctx context.Context, method string, req mcp.Request) {
	switch method {
	case "initialize":
		if slot, _ := ctx.Value(initSlotKey{}).(*initSlot); slot != nil {
			ss, _ := req.GetSession().(*mcp.ServerSession)
			slot.mu.Lock()
			slot.ss = ss
			slot.mu.Unlock()
		}
	case "logging/setLevel":
		ss, _ := req.GetSession().(*mcp.ServerSession)
		p, _ := req.GetParams().(*mcp.SetLoggingLevelParams)
		if ss != nil && p != nil {
			rec := s.sessionOf(ss)
			rec.mu.Lock()
			rec.logLevel = p.Level
			rec.mu.Unlock()
		}
	}
}

// opening prepares a POST that may open a session: the receiving chain
// will leave the session in the returned slot.
func (hs *httpSessions) opening(r *http.Request) (*http.Request, *initSlot) {
	slot := &initSlot{}
	return r.WithContext(context.WithValue(r.Context(), initSlotKey{}, slot)), slot
}

// opened records the session go-sdk opened for r, if it did.
func (hs *httpSessions) opened(w http.ResponseWriter, r *http.Request, slot *initSlot) {
	slot.mu.Lock()
	ss := slot.ss
	slot.mu.Unlock()
	if ss == nil || ss.ID() == "" || ss.ID() != w.Header().Get("Mcp-Session-Id") || ss.InitializeParams() == nil {
		return
	}
	e := &httpSession{hs: hs, id: ss.ID(), ss: ss}
	if ti := sdkauth.TokenInfoFromContext(r.Context()); ti != nil {
		e.userID = ti.UserID
	}
	if hs.timeout > 0 {
		e.timer = time.AfterFunc(hs.timeout, e.expire)
	} else {
		e.timer = time.AfterFunc(time.Duration(1<<63-1), func() {}) // never: the session lasts until it is deleted
	}
	if hs.s.opts.KeepAlive > 0 {
		// go-sdk closes a session that stops answering pings: watch it.
		e.watch(hs.s.sessionOf(ss))
	}
	hs.mu.Lock()
	hs.byID[e.id] = e
	hs.mu.Unlock()
}

// lookup returns the recorded, live session id names, or nil.
func (hs *httpSessions) lookup(id string) *httpSession {
	hs.mu.Lock()
	e := hs.byID[id]
	hs.mu.Unlock()
	if e == nil {
		return nil
	}
	e.mu.Lock()
	rec := e.rec
	e.mu.Unlock()
	if rec != nil {
		rec.mu.Lock()
		closed := rec.closed
		rec.mu.Unlock()
		if closed {
			return nil
		}
	}
	return e
}

// forget drops a session that has ended.
func (hs *httpSessions) forget(e *httpSession) {
	hs.mu.Lock()
	if hs.byID[e.id] == e {
		delete(hs.byID, e.id)
	}
	hs.mu.Unlock()
	e.mu.Lock()
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	e.mu.Unlock()
}

// watch has the server's record of the session tell e when it closes.
func (e *httpSession) watch(rec *session) {
	e.mu.Lock()
	known := e.rec != nil
	e.rec = rec
	e.mu.Unlock()
	if known {
		return
	}
	rec.mu.Lock()
	closed := rec.closed
	if !closed {
		rec.onClose = append(rec.onClose, func() { e.hs.forget(e) })
	}
	rec.mu.Unlock()
	if closed {
		e.hs.forget(e)
	}
}

// expire closes a session idle for the timeout, as go-sdk would.
func (e *httpSession) expire() {
	e.ss.Close()
	e.hs.forget(e)
}

// startPOST and endPOST bracket a POST to the session: the idle timeout
// pauses while one is in flight and starts again when the last ends.
func (e *httpSession) startPOST() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timer == nil {
		return
	}
	if e.refs == 0 {
		e.timer.Stop()
	}
	e.refs++
}

func (e *httpSession) endPOST() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timer == nil {
		return
	}
	if e.refs--; e.refs == 0 && e.hs.timeout > 0 {
		e.timer.Reset(e.hs.timeout)
	}
}

// begin records a call in flight (c nil for one go-sdk answers), and
// reports false if one with the id is already.
func (e *httpSession) begin(key string, c *hotCall) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.calls[key]; dup {
		return false
	}
	if e.calls == nil {
		e.calls = map[string]*hotCall{} // an idle session has none
	}
	e.calls[key] = c
	return true
}

func (e *httpSession) end(key string) {
	e.mu.Lock()
	delete(e.calls, key)
	e.mu.Unlock()
}

// hotInFlight reports whether the id is of a call the runtime answers.
func (e *httpSession) hotInFlight(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[key] != nil
}

// cancelled cancels the runtime's call a notifications/cancelled names.
func (e *httpSession) cancelled(body []byte) {
	id, ok := cancelledID(body)
	if !ok {
		return
	}
	e.mu.Lock()
	c := e.calls[id]
	e.mu.Unlock()
	if c != nil {
		c.cancel()
	}
}

// reaches reports whether go-sdk would take r as far as its session: it
// refuses DNS rebinding, unsupported protocol version headers, and bodies
// that are not JSON or clients that do not accept both answers first.
func reaches(r *http.Request) bool {
	v := r.Header.Get("Mcp-Protocol-Version")
	return !rebinding(r) && (v == "" || legacyVersions[v] || v >= statelessVersion) &&
		plainJSON(r.Header.Get("Content-Type")) && acceptsBoth(r.Header.Values("Accept"))
}

// post handles a POST to a recorded session: it answers it itself if it
// can (and reports true), or keeps the session's books for go-sdk's
// answer (and reports false: the caller passes it on, then calls done).
func (hs *httpSessions) post(w http.ResponseWriter, r *http.Request, body []byte, e *httpSession) (served bool, done func()) {
	if !reaches(r) {
		return false, func() {}
	}
	e.startPOST()
	if m, ok := hs.eligible(r, body, e); ok {
		defer e.endPOST()
		hs.serve(w, r, e, m)
		return true, nil
	}
	// go-sdk answers it. Its request id is in flight on the session as
	// well, and a notifications/cancelled may be for the runtime's call.
	msg := bytes.TrimSpace(body)
	id, request, _ := idAndKind(msg)
	var key string
	if request && id != nil {
		key, _ = canonicalID(id)
	}
	if key != "" && (plainInt(id) || plainString(id)) {
		if e.hotInFlight(key) {
			defer e.endPOST()
			writeDuplicate(w, id, hs.s.opts.JSONResponse)
			return true, nil
		}
		if !e.begin(key, nil) {
			key = "" // go-sdk has it in flight: it answers the duplicate
		}
	} else {
		key = ""
	}
	if key == "" && bytes.Contains(msg, []byte(notificationCancelled)) {
		e.cancelled(msg)
	}
	return false, func() {
		if key != "" {
			e.end(key)
		}
		e.endPOST()
	}
}

// eligible parses a POST body the runtime can answer on session e.
func (hs *httpSessions) eligible(r *http.Request, body []byte, e *httpSession) (*hotMsg, bool) {
	if len(r.Header.Values("Last-Event-ID")) > 0 || r.Header.Get("Mcp-Protocol-Version") >= statelessVersion || len(body) > maxFastBody {
		return nil, false
	}
	if e.userID != "" {
		if ti := sdkauth.TokenInfoFromContext(r.Context()); ti == nil || ti.UserID != e.userID {
			return nil, false // go-sdk refuses another user's request
		}
	}
	m, ok := parseHot(body)
	if !ok || m.modern {
		return nil, false
	}
	ip := e.ss.InitializeParams()
	if ip == nil || ip.ProtocolVersion >= statelessVersion {
		return nil, false
	}
	if !hs.s.opts.JSONResponse && asksOverSession(ip.Capabilities) {
		// go-sdk would ask such a client for input on the call's own
		// stream, which only go-sdk can.
		return nil, false
	}
	return m, true
}

// asksOverSession reports whether a client before 2026-07-28 declared a
// capability the server asks it for input through (elicitation,
// sampling, roots).
func asksOverSession(caps *mcp.ClientCapabilities) bool {
	return caps != nil && (caps.Elicitation != nil || caps.Sampling != nil || caps.RootsV2 != nil || caps.Roots.ListChanged)
}

// serve answers m, a POST to session e, as go-sdk would.
func (hs *httpSessions) serve(w http.ResponseWriter, r *http.Request, e *httpSession, m *hotMsg) {
	s := hs.s
	hd := w.Header()
	// As go-sdk sets them; the values are shared, and never changed.
	hd["Cache-Control"] = hdrNoCache
	sse := !s.opts.JSONResponse
	if sse {
		hd["Content-Type"], hd["Connection"] = hdrEventStream, hdrKeepAlive
	} else {
		hd["Content-Type"] = hdrJSON
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ctx = context.WithValue(ctx, boundKey{}, true) // it ends with r
	if !e.begin(m.key, &hotCall{cancel: cancel}) {
		writeDuplicate(w, m.id, !sse)
		return
	}
	defer s.conns.track(r, m.idText(), nil)() // the runtime takes no params.task
	var stream *sseStream
	if sse {
		stream = &sseStream{w: w}
		notes := &callNotes{send: stream.notify}
		if v, ok := s.sessions.Load(e.ss); ok {
			rec := v.(*session)
			rec.mu.Lock()
			notes.level = rec.logLevel
			rec.mu.Unlock()
		}
		ctx = withNotes(ctx, notes)
	}
	extra := &mcp.RequestExtra{TokenInfo: sdkauth.TokenInfoFromContext(r.Context()), Header: r.Header}
	resp, _ := s.serveHot(ctx, m, m.sdkRequest(e.ss, extra))
	e.end(m.key) // before the answer: the client may reuse the id at once
	if v, ok := s.sessions.Load(e.ss); ok {
		e.watch(v.(*session))
	}
	if sse {
		stream.respond(resp)
		return
	}
	w.Write(resp)
}

var (
	hdrNoCache     = []string{"no-cache, no-transform"}
	hdrEventStream = []string{"text/event-stream"}
	hdrKeepAlive   = []string{"keep-alive"}
	hdrJSON        = []string{"application/json"}
)

// writeDuplicate answers a request whose id is already in flight on the
// session, as go-sdk does.
func writeDuplicate(w http.ResponseWriter, id []byte, jsonResponse bool) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-cache, no-transform")
	if !jsonResponse {
		hd.Set("Connection", "keep-alive")
	}
	hd.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	b := append([]byte(`{"jsonrpc":"2.0","id":`), id...)
	b = append(b, `,"error":{"code":-32600,"message":`...)
	b = codec.AppendString(b, fmt.Sprintf("duplicate in-flight request ID %s", rawIDText(id)))
	w.Write(append(b, "}}"...))
}

// sseStream is the SSE response of one call.
type sseStream struct {
	mu   sync.Mutex
	w    http.ResponseWriter
	done bool
}

var errStreamDone = errors.New("write to closed stream: the call was answered")

// notify writes a notification of the call, before its response.
func (st *sseStream) notify(method string, params mcp.Params) error {
	b, err := appendNotification(nil, method, params)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return errStreamDone
	}
	return st.event(b)
}

// respond writes the response; nothing follows it. It is not flushed:
// net/http sends it when the handler returns, in the same write as the end
// of the body (go-sdk flushes it first, a write of its own).
func (st *sseStream) respond(resp []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.done = true
	st.w.Write(sseEvent(resp))
}

// event writes one SSE message event, as go-sdk does, and flushes it.
func (st *sseStream) event(data []byte) error {
	_, err := st.w.Write(sseEvent(data))
	http.NewResponseController(st.w).Flush()
	return err
}

// sseEvent is the SSE message event go-sdk writes for a message.
func sseEvent(data []byte) []byte {
	b := make([]byte, 0, len(data)+len("event: message\ndata: \n\n"))
	b = append(b, "event: message\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}
