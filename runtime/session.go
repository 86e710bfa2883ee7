package runtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime/internal/memstore"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Sessions and state.
//
// Every request has a session: the Mcp-Session-Id on stateful HTTP, one
// per connection on stdio (and any other stream transport), and on
// stateless HTTP none, unless Options.SessionKey names one for the
// request. Session state lives in a StateStore (in memory by default) under
// "<session>:<key>", as JSON, for Options.StateTTL (24 hours by default);
// the state of a session that closes is deleted with it.

// StateStore holds session state. Implementations must be safe for
// concurrent use. The in-memory default is package state's NewMemory; a
// store shared by several replicas (Redis) lets any of them serve any
// session.
type StateStore interface {
	// Get returns the value stored under key, and false if there is none
	// or it expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores value under key for ttl (ttl > 0).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes the keys; missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// DefaultStateTTL is how long session state lives without being written.
const DefaultStateTTL = 24 * time.Hour

// newMemoryStore is the default store.
func newMemoryStore() StateStore { return memstore.New(0) }

// session is the server's record of a go-sdk session.
type session struct {
	id string
	ss *mcp.ServerSession

	mu      sync.Mutex
	keys    map[string]bool // state keys written, deleted on close
	onClose []func()
	closed  bool
	// observedStart: the SessionObserver was told the session started.
	observedStart bool
	// logLevel is the level the client set with logging/setLevel, as
	// go-sdk keeps it (noteSession).
	logLevel mcp.LoggingLevel
	// rules caches the decoded visibility rules of the stored bytes raw.
	raw   []byte
	rules []Rule
}

// sessionOf returns the record of a go-sdk session, creating it (and a
// goroutine that cleans up when the session ends) on first sight.
func (s *Server) sessionOf(ss *mcp.ServerSession) *session {
	if v, ok := s.sessions.Load(ss); ok {
		return v.(*session)
	}
	id := ss.ID()
	if id == "" {
		id = rand.Text()
	}
	rec := &session{id: id, ss: ss}
	if v, loaded := s.sessions.LoadOrStore(ss, rec); loaded {
		return v.(*session)
	}
	go func() {
		ss.Wait()
		s.endSession(rec)
	}()
	return rec
}

// endSession runs a closed session's hooks and deletes its state.
func (s *Server) endSession(rec *session) {
	s.sessions.Delete(rec.ss)
	rec.mu.Lock()
	rec.closed = true
	hooks := rec.onClose
	rec.onClose = nil
	keys := make([]string, 0, len(rec.keys)+1)
	for k := range rec.keys {
		keys = append(keys, k)
	}
	rec.mu.Unlock()
	for i := len(hooks) - 1; i >= 0; i-- {
		func() {
			defer func() {
				if v := recover(); v != nil {
					s.log.Error("session close hook panicked", "panic", v)
				}
			}()
			hooks[i]()
		}()
	}
	keys = append(keys, stateKey(rec.id, visibilityKey))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.Delete(ctx, keys...); err != nil {
		s.log.Warn("deleting a closed session's state", "session", rec.id, "err", err)
	}
}

// OnSessionClose registers f to run when the calling request's session
// ends (the client disconnects or the HTTP session is deleted or times
// out). Hooks run in reverse order of registration. It fails outside a
// request, or for a request without a live session (stateless HTTP).
func OnSessionClose(ctx context.Context, f func()) error {
	r := RequestFrom(ctx)
	if r == nil || r.sess == nil {
		return errors.New("runtime.OnSessionClose: the request has no session that can close (stateless HTTP, or outside a request)")
	}
	rec := r.sess
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		f()
		return nil
	}
	rec.onClose = append(rec.onClose, f)
	rec.mu.Unlock()
	return nil
}

func stateKey(session, key string) string { return session + ":" + key }

func (r *Request) needSession(what string) error {
	if r == nil || r.root == nil {
		return fmt.Errorf("runtime.%s: called outside a request", what)
	}
	if r.SessionID == "" {
		return fmt.Errorf("runtime.%s: the request has no session (stateless HTTP without Options.SessionKey)", what)
	}
	return nil
}

// SetState stores v, JSON-encoded, under key in the calling session's
// state, replacing any request-scoped value of that key. Keys starting
// with "mcpgen/" are reserved. A value that cannot be encoded (a channel,
// a function, a cycle) is an error: use SetRequestState for values that
// only live for one request.
func SetState[T any](ctx context.Context, key string, v T) error {
	r := RequestFrom(ctx)
	if err := r.needSession("SetState"); err != nil {
		return err
	}
	if err := checkStateKey(key); err != nil {
		return err
	}
	js, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("runtime.SetState: the value for key %q cannot be JSON-encoded (%v); use runtime.SetRequestState for a value that lives only for this request", key, err)
	}
	r.values.delete(key)
	if rec := r.sess; rec != nil {
		rec.mu.Lock()
		if rec.keys == nil {
			rec.keys = map[string]bool{}
		}
		rec.keys[stateKey(r.SessionID, key)] = true
		rec.mu.Unlock()
	}
	return r.root.store.Set(ctx, stateKey(r.SessionID, key), js, r.root.stateTTL())
}

// GetState returns the value of key for the calling request: its
// request-scoped value if SetRequestState set one, otherwise the session's
// stored value decoded into a T. It reports false when there is neither.
func GetState[T any](ctx context.Context, key string) (T, bool, error) {
	var zero T
	r := RequestFrom(ctx)
	if v, ok := r.values.get(key); ok {
		t, ok := v.(T)
		if !ok {
			return zero, false, fmt.Errorf("runtime.GetState: the request-scoped value of %q is a %T, not a %T", key, v, zero)
		}
		return t, true, nil
	}
	if err := r.needSession("GetState"); err != nil {
		return zero, false, err
	}
	js, ok, err := r.root.store.Get(ctx, stateKey(r.SessionID, key))
	if err != nil || !ok {
		return zero, false, err
	}
	var out T
	if err := json.Unmarshal(js, &out); err != nil {
		return zero, false, fmt.Errorf("runtime.GetState: the stored value of %q does not decode into a %T: %v", key, zero, err)
	}
	return out, true, nil
}

// DeleteState removes key from the calling session's state and from the
// request's scope.
func DeleteState(ctx context.Context, key string) error {
	r := RequestFrom(ctx)
	r.values.delete(key)
	if err := r.needSession("DeleteState"); err != nil {
		return err
	}
	if err := checkStateKey(key); err != nil {
		return err
	}
	return r.root.store.Delete(ctx, stateKey(r.SessionID, key))
}

// SetRequestState sets a value of any type (it is not encoded) that
// shadows the session's value of key for the rest of the calling request
// only: middleware can hand a handler a database handle or a parsed token
// this way. It fails outside a request.
func SetRequestState(ctx context.Context, key string, v any) error {
	r := RequestFrom(ctx)
	if r == nil {
		return errors.New("runtime.SetRequestState: called outside a request")
	}
	r.values.set(key, v)
	return nil
}

func checkStateKey(key string) error {
	if key == "" {
		return errors.New("runtime: a state key must not be empty")
	}
	if strings.HasPrefix(key, "mcpgen/") {
		return fmt.Errorf("runtime: state key %q: keys starting with \"mcpgen/\" are reserved", key)
	}
	return nil
}

func (s *Server) stateTTL() time.Duration {
	if s.opts.StateTTL > 0 {
		return s.opts.StateTTL
	}
	return DefaultStateTTL
}

// requestValues are request-scoped state values, shared by a request and
// the copies mounted servers make of it.
type requestValues struct {
	mu sync.Mutex
	m  map[string]any
}

func (v *requestValues) get(key string) (any, bool) {
	if v == nil {
		return nil, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok := v.m[key]
	return x, ok
}

func (v *requestValues) set(key string, x any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string]any{}
	}
	v.m[key] = x
}

func (v *requestValues) delete(key string) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, key)
}

// sessionRules returns the calling session's visibility rules, or nil.
func (s *Server) sessionRules(ctx context.Context, r *Request) []Rule {
	if r.SessionID == "" {
		return nil
	}
	raw, ok, err := s.store.Get(ctx, stateKey(r.SessionID, visibilityKey))
	if err != nil {
		s.log.Warn("reading a session's visibility rules", "session", r.SessionID, "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	if rec := r.sess; rec != nil {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.raw != nil && bytes.Equal(rec.raw, raw) {
			return rec.rules
		}
	}
	var rules []Rule
	if err := json.Unmarshal(raw, &rules); err != nil {
		s.log.Warn("a session's visibility rules do not decode", "session", r.SessionID, "err", err)
		return nil
	}
	if rules == nil {
		rules = []Rule{}
	}
	if rec := r.sess; rec != nil {
		rec.raw, rec.rules = raw, rules
	}
	return rules
}

// changeSessionRules appends rule to (or, with reset, clears) the calling
// session's rules, and sends that session list_changed for each kind whose
// list changed.
func (s *Server) changeSessionRules(ctx context.Context, r *Request, rule *Rule, reset bool) error {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	snap := s.snapshot(ctx)
	var az *authz
	if r.view != nil && r.view.snap == snap {
		az = r.view.authz
	} else {
		az = s.authzFor(ctx, r, snap)
	}
	before := view{snap: snap, rules: s.sessionRules(ctx, r), authz: az}
	var rules []Rule
	if !reset {
		rules = append(slices.Clone(before.rules), *rule)
	}
	key := stateKey(r.SessionID, visibilityKey)
	if rules == nil {
		if err := s.store.Delete(ctx, key); err != nil {
			return err
		}
	} else {
		js, err := json.Marshal(rules)
		if err != nil {
			return err
		}
		if err := s.store.Set(ctx, key, js, s.stateTTL()); err != nil {
			return err
		}
	}
	after := view{snap: snap, rules: rules, authz: az}
	r.view = &after
	if r.sess == nil {
		return nil
	}
	b, a := before.visibleKeys(), after.visibleKeys()
	var changed []Kind
	for i := range b {
		if !bytes.Equal(b[i], a[i]) {
			changed = append(changed, kindOfList[i])
		}
	}
	s.notifySession(ctx, r.sess.ss, changed)
	return nil
}

// Notifications. go-sdk sends list_changed only to every session at once,
// when its own registry changes; the runtime sends its own.

var listChangedMethod = map[Kind]string{
	KindTool:     "notifications/tools/list_changed",
	KindResource: "notifications/resources/list_changed",
	KindTemplate: "notifications/resources/list_changed",
	KindPrompt:   "notifications/prompts/list_changed",
}

// notifySession sends one session list_changed for the kinds given
// (templates and resources share one notification).
func (s *Server) notifySession(ctx context.Context, ss *mcp.ServerSession, kinds []Kind) {
	if ss == nil || s.send == nil {
		return
	}
	sent := map[string]bool{}
	for _, k := range kinds {
		method := listChangedMethod[k]
		if sent[method] {
			continue
		}
		sent[method] = true
		var req mcp.Request
		switch k {
		case KindTool:
			req = &mcp.ServerRequest[*mcp.ToolListChangedParams]{Session: ss, Params: &mcp.ToolListChangedParams{}}
		case KindResource, KindTemplate:
			req = &mcp.ServerRequest[*mcp.ResourceListChangedParams]{Session: ss, Params: &mcp.ResourceListChangedParams{}}
		case KindPrompt:
			req = &mcp.ServerRequest[*mcp.PromptListChangedParams]{Session: ss, Params: &mcp.PromptListChangedParams{}}
		}
		var err error
		if n := notesFrom(ctx); n != nil && n.send != nil {
			err = n.send(method, req.GetParams()) // on the call's stream, as go-sdk sends it (hothttp.go)
		} else {
			_, err = s.send(ctx, method, req)
		}
		if err != nil {
			s.log.Debug("sending list_changed", "method", method, "err", err)
		}
	}
}

// notifyAll tells every session (including 2026-07-28 clients listening
// with subscriptions/listen) that the lists of kinds changed. It does so
// through go-sdk's own mechanism, which debounces: a placeholder component
// is added to and removed from go-sdk's otherwise empty registry, which
// the runtime never lets clients see.
func (s *Server) notifyAll(kinds []Kind) {
	const probe = "mcpgen_list_changed"
	done := map[Kind]bool{}
	for _, k := range kinds {
		if k == KindTemplate {
			k = KindResource
		}
		if done[k] {
			continue
		}
		done[k] = true
		switch k {
		case KindTool:
			s.mcp.AddTool(&mcp.Tool{Name: probe, InputSchema: json.RawMessage(`{"type":"object"}`)},
				func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) { return nil, nil })
			s.mcp.RemoveTools(probe)
		case KindResource:
			s.mcp.AddResource(&mcp.Resource{URI: "mcpgen:list-changed", Name: probe},
				func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) { return nil, nil })
			s.mcp.RemoveResources("mcpgen:list-changed")
		case KindPrompt:
			s.mcp.AddPrompt(&mcp.Prompt{Name: probe},
				func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) { return nil, nil })
			s.mcp.RemovePrompts(probe)
		}
	}
}
