package runtime

import (
	"bytes"
	"io"
	"net/http"
)

// eraRouter serves both protocol eras on one streamable HTTP endpoint.
// go-sdk's stateful handler refuses 2026-07-28 requests and its stateless
// one has no sessions, so the router sends each request to the handler of
// its era: one that belongs to a session (Mcp-Session-Id) goes to the
// stateful handler, as does one without a version (an initialize) or with
// an older one; a sessionless 2026-07-28 request goes to the stateless
// handler, which validates its headers and _meta, answers server/discover
// and subscriptions/listen, and runs it without initialize.
type eraRouter struct {
	sessions, sessionless http.Handler
}

func (e *eraRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Mcp-Session-Id") == "" && modernRequest(r) {
		e.sessionless.ServeHTTP(w, r)
		return
	}
	e.sessions.ServeHTTP(w, r)
}

// metaVersionKey is how a 2026-07-28 request's _meta names its version.
var metaVersionKey = []byte(`"io.modelcontextprotocol/protocolVersion"`)

// modernRequest reports whether a sessionless request is of protocol
// 2026-07-28 or later: its Mcp-Protocol-Version header says so, or, with no
// header, its body carries the per-request _meta version (the stateless
// handler then answers the missing header with HeaderMismatch, where the
// stateful one would refuse the version).
func modernRequest(r *http.Request) bool {
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
		return v >= statelessVersion
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(maxLine)+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	return err == nil && bytes.Contains(body, metaVersionKey)
}
