package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// go-sdk's error for params of the wrong shape names Go types and quotes
// the whole params ("unmarshaling ... into a *mcp.CallToolParamsRaw: json:
// cannot unmarshal ... into Go struct field ... of type string"). The stdio
// filter and the HTTP guard check the params of the methods the runtime
// answers first, and say what is wrong in the client's terms.

// paramTypes are the params go-sdk decodes each method into.
var paramTypes = map[string]func() any{
	MethodListTools:             func() any { return new(mcp.ListToolsParams) },
	MethodCallTool:              func() any { return new(mcp.CallToolParamsRaw) },
	MethodListResources:         func() any { return new(mcp.ListResourcesParams) },
	MethodListResourceTemplates: func() any { return new(mcp.ListResourceTemplatesParams) },
	MethodReadResource:          func() any { return new(mcp.ReadResourceParams) },
	MethodListPrompts:           func() any { return new(mcp.ListPromptsParams) },
	MethodGetPrompt:             func() any { return new(mcp.GetPromptParams) },
	MethodComplete:              func() any { return new(mcp.CompleteParams) },
	"resources/subscribe":       func() any { return new(mcp.SubscribeParams) },
	"resources/unsubscribe":     func() any { return new(mcp.UnsubscribeParams) },
	"logging/setLevel":          func() any { return new(mcp.SetLoggingLevelParams) },
}

// checkParams checks the params of a single request checkMessage
// accepted; nil if they decode as go-sdk will decode them.
func checkParams(msg []byte) *badMessage {
	method, params, ok := methodAndParams(msg)
	if !ok || params == nil || string(params) == "null" {
		return nil
	}
	newParams, known := paramTypes[method]
	if !known {
		return nil
	}
	err := json.Unmarshal(params, newParams())
	if err == nil {
		return nil
	}
	return &badMessage{id: idOf(msg), code: -32602, msg: "Invalid params: " + describeParamsError(method, err)}
}

// methodAndParams reads the method and the raw params of a request.
func methodAndParams(msg []byte) (method string, params []byte, ok bool) {
	var d codec.Decoder
	d.Reset(msg)
	if d.BeginObject() != nil {
		return "", nil, false
	}
	for {
		key, more, err := d.NextKey()
		if err != nil {
			return "", nil, false
		}
		if !more {
			return method, params, method != ""
		}
		switch string(key) {
		case "method":
			if method, err = d.ReadString(); err != nil {
				return "", nil, false
			}
		case "params":
			if params, err = d.ReadRaw(); err != nil {
				return "", nil, false
			}
		default:
			if d.Skip() != nil {
				return "", nil, false
			}
		}
	}
}

// describeParamsError says what is wrong with params in JSON terms.
func describeParamsError(method string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := "params"
		if te.Field != "" {
			where += "." + te.Field
		}
		return fmt.Sprintf("%s: expected %s, got %s", where, jsonKind(te.Type), article(te.Value))
	}
	return fmt.Sprintf("params do not have the shape of a %s request", method)
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice && t.Name() == "RawMessage" {
			return "a JSON value"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Interface:
		return "a JSON value"
	}
	if t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64 {
		return "a number"
	}
	return "another kind of value"
}

// article puts "a" or "an" before encoding/json's name of a JSON value.
func article(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "null", "":
		return "null"
	case "bool":
		return "a boolean"
	}
	if strings.HasPrefix(v, "number") {
		return "a number"
	}
	return "a " + v
}
