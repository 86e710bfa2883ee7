package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// JSON-RPC error codes for input that is not a message at all; go-sdk
// answers everything else.
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
)

// badMessage is why some input is not a JSON-RPC message, as an error
// response would say it.
type badMessage struct {
	id   json.RawMessage // nil when the input has no usable id
	code int
	msg  string
}

// checkMessage reports whether b, a line on stdio or a POST body, is a
// JSON-RPC message or batch go-sdk can decode; nil if it is. go-sdk's stdio
// transport ends the session on any other input and its HTTP handler
// answers it in plain text, so mcpgen checks first and answers with a
// JSON-RPC error instead.
func checkMessage(b []byte) *badMessage {
	if tooDeep(b) {
		bad := &badMessage{code: codeInvalidRequest, msg: fmt.Sprintf("Invalid Request: JSON nested deeper than %d levels", maxDepth)}
		if json.Valid(b) {
			bad.id = idOf(b)
		}
		return bad
	}
	if !json.Valid(b) {
		return &badMessage{code: codeParseError, msg: "Parse error: not valid JSON"}
	}
	b = bytes.TrimSpace(b)
	if b[0] != '[' {
		if plainRequest(b) {
			return nil
		}
		if _, err := jsonrpc.DecodeMessage(b); err != nil {
			return &badMessage{id: idOf(b), code: codeInvalidRequest, msg: "Invalid Request: " + err.Error()}
		}
		return nil
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(b, &batch); err != nil {
		return &badMessage{code: codeInvalidRequest, msg: "Invalid Request: not a batch of messages"}
	}
	if len(batch) == 0 {
		return &badMessage{code: codeInvalidRequest, msg: "Invalid Request: empty batch"}
	}
	for i, raw := range batch {
		if _, err := jsonrpc.DecodeMessage(raw); err != nil {
			return &badMessage{code: codeInvalidRequest, msg: fmt.Sprintf("Invalid Request: batch element %d: %v", i, err)}
		}
	}
	return nil
}

// maxDepth is the deepest nesting of arrays and objects a message may
// have: go-sdk's limit, beyond which its stdio transport ends the session
// and its HTTP handler answers in plain text. The stdio filter, the HTTP
// guard and (behind the guard) the fast path and generated decoders share
// it.
const maxDepth = codec.MaxDepth

// tooDeep reports whether b nests arrays and objects deeper than maxDepth,
// counting as go-sdk does: every bracket outside a string, whether or not
// the JSON is otherwise valid.
func tooDeep(b []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > maxDepth {
				return true
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return false
}

// errorResponse returns a JSON-RPC error response; a nil id is null.
func errorResponse(id json.RawMessage, code int, msg string) []byte {
	if id == nil {
		id = json.RawMessage("null")
	}
	b := []byte(`{"jsonrpc":"2.0","id":`)
	b = append(b, id...)
	b = append(b, `,"error":{"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"message":`...)
	b = codec.AppendString(b, msg)
	return append(b, "}}"...)
}

// idOf returns the id of a JSON object if it is a string or a number, for
// echoing in an error response; nil otherwise.
func idOf(line []byte) json.RawMessage {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 {
		return nil
	}
	if c := m.ID[0]; c == '"' || c == '-' || c >= '0' && c <= '9' {
		return m.ID
	}
	return nil
}

// plainRequest reports, by a quick scan, whether line is certainly a
// request or notification go-sdk decodes: an object with exactly the keys
// jsonrpc ("2.0"), method (a string), optionally id (a string or a short
// integer) and params, each once. Anything else is left to
// jsonrpc.DecodeMessage for the verdict.
func plainRequest(line []byte) bool {
	var d codec.Decoder
	d.Reset(line)
	if d.BeginObject() != nil {
		return false
	}
	var version, method, id, params bool
	for {
		key, ok, err := d.NextKey()
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		switch string(key) {
		case "jsonrpc":
			v, err := d.ReadString()
			if err != nil || v != "2.0" || version {
				return false
			}
			version = true
		case "method":
			if _, err := d.ReadString(); err != nil || method {
				return false
			}
			method = true
		case "id":
			if id {
				return false
			}
			id = true
			switch d.Peek() {
			case codec.String:
				if _, err := d.ReadString(); err != nil {
					return false
				}
			case codec.Number:
				n, err := d.ReadNumberString()
				if err != nil || len(n) > 15 || strings.ContainsAny(n, ".eE") {
					return false
				}
			default:
				return false
			}
		case "params":
			if params || d.Skip() != nil {
				return false
			}
			params = true
		default:
			return false
		}
	}
	return version && method && d.End() == nil
}
