package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The protocol versions a server supports.
//
// go-sdk's client opens a session with server/discover (SEP-2575), whose
// result lists the versions the server supports over that transport, and
// falls back to initialize, whose result names one version, when the list
// has no version it can use statelessly (a stateful HTTP server lists
// only the versions before 2026-07-28). The client keeps only the version
// it settled on, so the same server shows 2026-07-28 over stdio and
// 2025-11-25 over stateful HTTP. versionSpy watches the discover exchange
// on the wire and keeps the list, for inspect to show beside the
// negotiated version.

// versionSpy records the protocol versions a server reported.
type versionSpy struct {
	mu        sync.Mutex
	supported []string
	reported  bool
}

// Supported returns the versions the server reported, and whether it
// reported any: in a server/discover result, or in the data of an
// "unsupported protocol version" error.
func (v *versionSpy) Supported() ([]string, bool) {
	if v == nil {
		return nil, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.supported...), v.reported
}

// fromMessage records the versions of a server/discover response.
func (v *versionSpy) fromMessage(resp *jsonrpc.Response) {
	var versions []string
	var je *jsonrpc.Error
	switch {
	case resp.Error == nil:
		var res struct {
			SupportedVersions []string `json:"supportedVersions"`
		}
		if json.Unmarshal(resp.Result, &res) != nil || res.SupportedVersions == nil {
			return
		}
		versions = res.SupportedVersions
	case errors.As(resp.Error, &je) && len(je.Data) > 0:
		var data mcp.UnsupportedProtocolVersionData
		if json.Unmarshal(je.Data, &data) != nil || data.Supported == nil {
			return
		}
		versions = data.Supported
	default:
		return
	}
	v.mu.Lock()
	v.supported, v.reported = versions, true
	v.mu.Unlock()
}

// fromBody records the versions of an HTTP response body to server/discover:
// one JSON-RPC message, or an event stream carrying it.
func (v *versionSpy) fromBody(body []byte) {
	parse := func(b []byte) {
		if msg, err := jsonrpc.DecodeMessage(b); err == nil {
			if resp, ok := msg.(*jsonrpc.Response); ok {
				v.fromMessage(resp)
			}
		}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		parse(trimmed)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, len(body)+1)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
			parse([]byte(strings.TrimSpace(data)))
		}
	}
}

// spyTransport watches server/discover on a stdio (or any message-level)
// transport.
type spyTransport struct {
	mcp.Transport
	spy *versionSpy
}

func (t *spyTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	conn, err := t.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &spyConn{Connection: conn, spy: t.spy, ids: map[jsonrpc.ID]bool{}}, nil
}

type spyConn struct {
	mcp.Connection
	spy *versionSpy
	mu  sync.Mutex
	ids map[jsonrpc.ID]bool // of server/discover requests in flight
}

func (c *spyConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if req, ok := msg.(*jsonrpc.Request); ok && req.Method == "server/discover" && req.IsCall() {
		c.mu.Lock()
		c.ids[req.ID] = true
		c.mu.Unlock()
	}
	return c.Connection.Write(ctx, msg)
}

func (c *spyConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if resp, ok := msg.(*jsonrpc.Response); ok && err == nil {
		c.mu.Lock()
		mine := c.ids[resp.ID]
		delete(c.ids, resp.ID)
		c.mu.Unlock()
		if mine {
			c.spy.fromMessage(resp)
		}
	}
	return msg, err
}

// maxSpiedBody bounds how much of a server/discover response is kept.
const maxSpiedBody = 1 << 20

// spyRoundTripper watches server/discover over HTTP: it keeps a copy of
// the response body as the client reads it.
type spyRoundTripper struct {
	next http.RoundTripper
	spy  *versionSpy
}

func (rt *spyRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil || req.GetBody == nil {
		return rt.next.RoundTrip(req)
	}
	body, err := req.GetBody()
	if err != nil {
		return rt.next.RoundTrip(req)
	}
	var call struct {
		Method string `json:"method"`
	}
	err = json.NewDecoder(io.LimitReader(body, maxSpiedBody)).Decode(&call)
	body.Close()
	if err != nil || call.Method != "server/discover" {
		return rt.next.RoundTrip(req)
	}
	resp, err := rt.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Body = &spyBody{ReadCloser: resp.Body, spy: rt.spy}
	return resp, nil
}

// spyBody copies what is read of a response body and hands the copy to
// the spy as it grows and at the end (EOF or Close).
type spyBody struct {
	io.ReadCloser
	spy  *versionSpy
	buf  bytes.Buffer
	once sync.Once
}

func (b *spyBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := maxSpiedBody - b.buf.Len(); room > 0 && n > 0 {
		b.buf.Write(p[:min(n, room)])
		// The client may stop reading once it has the response, before
		// EOF and before Close: look at what has arrived so far.
		b.spy.fromBody(b.buf.Bytes())
	}
	if err != nil {
		b.done()
	}
	return n, err
}

func (b *spyBody) Close() error {
	b.done()
	return b.ReadCloser.Close()
}

func (b *spyBody) done() { b.once.Do(func() { b.spy.fromBody(b.buf.Bytes()) }) }
