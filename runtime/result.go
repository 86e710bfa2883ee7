package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// StructuredResult returns a successful tool result whose structured
// content is the JSON document js, with the same JSON as text content for
// clients that predate structured output. js must be valid JSON; generated
// encoders guarantee it.
func StructuredResult(js []byte) *CallToolResult {
	return &CallToolResult{
		Content:           []Content{&TextContent{Text: string(js)}},
		StructuredContent: json.RawMessage(js),
	}
}

// TextResult returns a successful tool result holding one text content.
func TextResult(text string) *CallToolResult {
	return &CallToolResult{Content: []Content{&TextContent{Text: text}}}
}

// ContentResult returns a successful tool result holding the given content.
func ContentResult(content ...Content) *CallToolResult {
	if content == nil {
		content = []Content{}
	}
	return &CallToolResult{Content: content}
}

// BlobResult returns a tool result for binary data of the given MIME type:
// image or audio content when the type says so, otherwise an embedded
// resource holding the blob.
func BlobResult(data []byte, mimeType string) *CallToolResult {
	switch {
	case strings.HasPrefix(mimeType, "image/"):
		return ContentResult(&ImageContent{Data: data, MIMEType: mimeType})
	case strings.HasPrefix(mimeType, "audio/"):
		return ContentResult(&AudioContent{Data: data, MIMEType: mimeType})
	}
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	return ContentResult(&EmbeddedResource{Resource: &ResourceContents{URI: "data:", MIMEType: mimeType, Blob: data}})
}

// ErrorResult returns a tool result with IsError set and the error's text
// as content, so that the model sees what went wrong. The error is kept
// (CallToolResult.GetError) for middleware; with Options.MaskErrors the
// client is shown only the tool's name instead of the text, unless err is
// a *ToolError (see ToolErrorf).
func ErrorResult(err error) *CallToolResult {
	res := &CallToolResult{}
	res.SetError(err)
	return res
}

// toolFailure is an error result of the runtime's own: its text is meant
// for the client, masked or not.
func toolFailure(format string, args ...any) *CallToolResult {
	return &CallToolResult{Content: []Content{&TextContent{Text: fmt.Sprintf(format, args...)}}, IsError: true}
}

// ArgumentsError returns the tool result for arguments that failed to
// decode or validate: IsError set and text "invalid arguments: ...". Per
// the MCP specification, input validation errors are tool execution errors
// so that the model can correct itself; they are shown even with
// Options.MaskErrors.
func ArgumentsError(err error) *CallToolResult {
	return ErrorResult(ToolErrorf("invalid arguments: %w", err))
}

// TextContents returns a resource read result holding text.
func TextContents(uri, mimeType, text string) *ReadResourceResult {
	return &ReadResourceResult{Contents: []*ResourceContents{{URI: uri, MIMEType: mimeType, Text: text}}}
}

// BlobContents returns a resource read result holding binary data.
func BlobContents(uri, mimeType string, data []byte) *ReadResourceResult {
	if data == nil {
		data = []byte{}
	}
	return &ReadResourceResult{Contents: []*ResourceContents{{URI: uri, MIMEType: mimeType, Blob: data}}}
}

// PromptText returns a prompt result with one user message holding text.
func PromptText(description, text string) *GetPromptResult {
	return &GetPromptResult{
		Description: description,
		Messages:    []*PromptMessage{{Role: "user", Content: &TextContent{Text: text}}},
	}
}

// PromptMessages returns a prompt result holding the given messages.
func PromptMessages(description string, messages []*PromptMessage) *GetPromptResult {
	if messages == nil {
		messages = []*PromptMessage{}
	}
	return &GetPromptResult{Description: description, Messages: messages}
}

// InvalidParams returns a JSON-RPC "invalid params" (-32602) error, for
// requests that are malformed at the protocol level: a missing required
// prompt argument, a resource URI variable of the wrong type.
func InvalidParams(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// ErrResourceNotFound is returned, wrapped, by a resource handler when the
// resource does not exist:
//
//	return nil, fmt.Errorf("note %d: %w", id, runtime.ErrResourceNotFound)
//
// The client receives the "resource not found" error of its protocol
// version: code -32002 up to 2025-11-25, -32602 (Invalid Params) from
// 2026-07-28 on (SEP-2164), with the handler's message ("note 7: resource
// not found") and the requested URI as data.uri. A URI that no resource or
// template matches gets the same error with the message "Resource not
// found". Any other error from a resource handler is an internal error,
// -32603, with the error's text as its message unless Options.MaskErrors
// is set.
var ErrResourceNotFound = errors.New("resource not found")
