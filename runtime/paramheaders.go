package runtime

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// Custom request headers (SEP-2243).
//
// A tool argument whose schema property carries "x-mcp-header": "Name" is
// mirrored by 2026-07-28 clients into the HTTP header Mcp-Param-Name, so
// that proxies can route on it without reading the body. The server must
// check that the two agree: a mismatch, a header without its argument, an
// argument without its header or a malformed Base64 value
// (=?base64?...?=) is refused with HTTP 400 and HeaderMismatch (-32020).
// go-sdk checks this only for the tools in its own registry, which the
// runtime leaves empty, so the runtime checks its own.

// codeHeaderMismatch is the JSON-RPC code of a request whose headers
// disagree with its body.
const codeHeaderMismatch = -32020

// paramBinding ties an argument (a path of property names) to a header.
type paramBinding struct {
	path   []string
	header string // the suffix after Mcp-Param-
}

// paramBindings returns the x-mcp-header bindings of an input schema,
// nil when it has none.
func paramBindings(schema json.RawMessage) []paramBinding {
	if !bytes.Contains(schema, []byte(`"x-mcp-header"`)) {
		return nil
	}
	type prop struct {
		Header     string          `json:"x-mcp-header"`
		Properties map[string]prop `json:"properties"`
	}
	var root prop
	if json.Unmarshal(schema, &root) != nil {
		return nil
	}
	var out []paramBinding
	var walk func(props map[string]prop, prefix []string)
	walk = func(props map[string]prop, prefix []string) {
		for name, p := range props {
			path := append(append([]string(nil), prefix...), name)
			if p.Header != "" {
				out = append(out, paramBinding{path: path, header: p.Header})
			}
			walk(p.Properties, path)
		}
	}
	walk(root.Properties, nil)
	return out
}

// checkParamHeaders checks the Mcp-Param headers of a 2026-07-28 tools/call
// POST body against the tool's bindings. It returns the request id and the
// error to answer with, or a nil error when the request may go on (it is
// not such a call, the tool is unknown or has no bindings, or all agree).
func (s *Server) checkParamHeaders(r *http.Request, body []byte) (json.RawMessage, *jsonrpc.Error) {
	h := r.Header
	if h.Get("Mcp-Method") != MethodCallTool || h.Get("Mcp-Protocol-Version") < statelessVersion {
		return nil, nil
	}
	snap := s.snapshot(r.Context())
	if len(snap.paramHeaders) == 0 {
		return nil, nil
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Name      string                     `json:"name"`
			Arguments map[string]json.RawMessage `json:"arguments"`
			Meta      map[string]any             `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Method != MethodCallTool {
		return nil, nil // go-sdk answers malformed requests and method mismatches
	}
	t := pick(snap.tools[msg.Params.Name], requestedVersion(msg.Params.Meta),
		func(t *Tool) string { return t.Version }, func(*Tool) bool { return true })
	bindings := snap.paramHeaders[t]
	if len(bindings) == 0 {
		return nil, nil
	}
	if err := matchParamHeaders(h, msg.Params.Arguments, bindings); err != nil {
		return msg.ID, &jsonrpc.Error{Code: codeHeaderMismatch, Message: "header mismatch: " + err.Error()}
	}
	return nil, nil
}

// matchParamHeaders reports the first disagreement between the headers
// and the arguments they mirror.
func matchParamHeaders(h http.Header, args map[string]json.RawMessage, bindings []paramBinding) error {
	for _, b := range bindings {
		name := "Mcp-Param-" + b.header
		values := h.Values(name)
		arg, present := argument(args, b.path)
		path := strings.Join(b.path, ".")
		if !present {
			if len(values) > 0 {
				return fmt.Errorf("%s is set but argument %q is absent or null", name, path)
			}
			continue
		}
		if len(values) != 1 {
			return fmt.Errorf("argument %q needs exactly one %s header, got %d", path, name, len(values))
		}
		got, err := decodeParamHeader(values[0])
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if err := sameValue(got, arg); err != nil {
			return fmt.Errorf("%s does not match argument %q: %v", name, path, err)
		}
	}
	return nil
}

// argument returns the raw value at path in args; absent or null is not
// present.
func argument(args map[string]json.RawMessage, path []string) (json.RawMessage, bool) {
	cur, ok := args[path[0]]
	for _, p := range path[1:] {
		if !ok {
			break
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(cur, &obj) != nil {
			return nil, false
		}
		cur, ok = obj[p]
	}
	if !ok || string(bytes.TrimSpace(cur)) == "null" {
		return nil, false
	}
	return cur, true
}

// decodeParamHeader returns the value a header carries: the decoded
// payload of =?base64?...?=, or the header itself.
func decodeParamHeader(v string) (string, error) {
	inner, ok := strings.CutPrefix(v, "=?base64?")
	if ok {
		inner, ok = strings.CutSuffix(inner, "?=")
	}
	if !ok {
		return v, nil
	}
	b, err := base64.StdEncoding.Strict().DecodeString(inner)
	if err != nil {
		return "", errors.New("invalid Base64 value")
	}
	return string(b), nil
}

// sameValue compares a header's value with the JSON argument it mirrors:
// a string, a boolean, or an integer within ±(2^53-1).
func sameValue(header string, arg json.RawMessage) error {
	var v any
	d := json.NewDecoder(bytes.NewReader(arg))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return errors.New("the argument is not JSON")
	}
	var want string
	switch x := v.(type) {
	case string:
		want = x
	case bool:
		want = strconv.FormatBool(x)
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil || n > 1<<53-1 || n < -(1<<53-1) {
			return errors.New("the argument is not a string, boolean or safe integer")
		}
		f, err := strconv.ParseFloat(header, 64)
		if err != nil || math.Trunc(f) != f || f != float64(n) {
			return errors.New("values differ")
		}
		return nil
	default:
		return errors.New("the argument is not a string, boolean or safe integer")
	}
	if header != want {
		return errors.New("values differ")
	}
	return nil
}
