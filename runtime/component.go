package runtime

import (
	"context"
	"encoding/json"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Protocol types that handlers and generated code use, re-exported so that
// most programs need only this package.
type (
	Content            = mcp.Content
	TextContent        = mcp.TextContent
	ImageContent       = mcp.ImageContent
	AudioContent       = mcp.AudioContent
	EmbeddedResource   = mcp.EmbeddedResource
	ResourceLink       = mcp.ResourceLink
	ResourceContents   = mcp.ResourceContents
	CallToolResult     = mcp.CallToolResult
	ReadResourceResult = mcp.ReadResourceResult
	GetPromptResult    = mcp.GetPromptResult
	PromptMessage      = mcp.PromptMessage
	ToolAnnotations    = mcp.ToolAnnotations
	Implementation     = mcp.Implementation
)

// ToolHandler runs a tool. args is the raw JSON of the call's "arguments"
// (nil when the client sent none). Problems the model can act on (bad
// arguments, a failing tool) are returned as a result with IsError set; a
// non-nil error is a protocol error and becomes a JSON-RPC error response.
type ToolHandler func(ctx context.Context, args json.RawMessage) (*CallToolResult, error)

// ResourceHandler reads a static resource.
type ResourceHandler func(ctx context.Context, uri string) (*ReadResourceResult, error)

// TemplateHandler reads a resource matched by a URI template. vars holds
// the template's variable values in the order the variables appear in the
// template, already percent-decoded.
type TemplateHandler func(ctx context.Context, uri string, vars []string) (*ReadResourceResult, error)

// PromptHandler renders a prompt from its arguments.
type PromptHandler func(ctx context.Context, args map[string]string) (*GetPromptResult, error)

// Tool describes one tool. Generated code declares these as package-level
// values; every field is fixed at generation time.
type Tool struct {
	Name        string
	Version     string // "" when unversioned
	Title       string
	Description string
	Tags        []string // sorted
	Annotations *ToolAnnotations
	// Timeout bounds one call; zero means no limit beyond the request's own.
	Timeout time.Duration
	// MaxResultBytes, when positive, bounds the JSON encoding of one call's
	// result: a larger result is cut down to one text block ending in
	// DefaultTruncationSuffix (see TruncateResult). Zero means no limit.
	MaxResultBytes int
	// InputSchema is a JSON Schema (draft 2020-12) with "type":"object" at
	// the root. OutputSchema is nil when the tool has no structured output.
	InputSchema  json.RawMessage
	OutputSchema json.RawMessage
	Meta         map[string]any
	// Disabled hides the tool from lists and calls unless a visibility
	// rule enables it (see Match and EnableComponents).
	Disabled bool
	// Auth are the checks a principal must pass to see and call the tool,
	// all of them (see AuthCheck).
	Auth []AuthCheck
	// TaskSupport says whether calls may or must run as background tasks
	// (execution.taskSupport in tools/list); "" means the server's
	// Options.TaskSupport. It takes effect with a task engine
	// (SetTaskEngine, package runtime/tasks); see Detach.
	TaskSupport TaskSupport
	Handler     ToolHandler

	via *Server // set when the handler runs another server's chain (Mount)
}

// Resource describes a resource with a fixed URI.
type Resource struct {
	URI         string
	Name        string
	Version     string
	Title       string
	Description string
	MIMEType    string
	Tags        []string
	Meta        map[string]any
	Disabled    bool        // see Tool.Disabled
	Auth        []AuthCheck // see Tool.Auth
	Handler     ResourceHandler
}

// ResourceTemplate describes a family of resources named by an RFC 6570
// URI template (levels 1–3, as accepted by package uritemplate).
type ResourceTemplate struct {
	URITemplate string
	Name        string
	Version     string
	Title       string
	Description string
	MIMEType    string
	Tags        []string
	Meta        map[string]any
	Disabled    bool        // see Tool.Disabled
	Auth        []AuthCheck // see Tool.Auth
	Handler     TemplateHandler
}

// PromptArgument describes one prompt argument.
type PromptArgument struct {
	Name        string
	Title       string
	Description string
	Required    bool
}

// Prompt describes a prompt template.
type Prompt struct {
	Name        string
	Version     string
	Title       string
	Description string
	Tags        []string
	Arguments   []PromptArgument
	Meta        map[string]any
	Disabled    bool        // see Tool.Disabled
	Auth        []AuthCheck // see Tool.Auth
	Handler     PromptHandler
}

// Components is a fixed set of components. Generated packages expose theirs
// with a Components function; a *Components is a Provider.
type Components struct {
	Tools             []*Tool
	Resources         []*Resource
	ResourceTemplates []*ResourceTemplate
	Prompts           []*Prompt
	Completions       []*Completion
}

// Bool returns a pointer to v, for the optional hints of ToolAnnotations.
func Bool(v bool) *bool { return &v }

// Kind names a kind of component in keys and visibility rules.
type Kind string

// The component kinds.
const (
	KindTool     Kind = "tool"
	KindResource Kind = "resource"
	KindTemplate Kind = "template"
	KindPrompt   Kind = "prompt"
)

// Key returns "kind:identifier@version", the key visibility rules match
// (Match.Keys): the identifier is a tool or prompt name, a resource URI or
// a URI template; the version is empty when unversioned ("tool:add@").
func Key(kind Kind, id, version string) string {
	return string(kind) + ":" + id + "@" + version
}

// Key returns the tool's key, "tool:name@version".
func (t *Tool) Key() string { return Key(KindTool, t.Name, t.Version) }

// Key returns the resource's key, "resource:uri@version".
func (r *Resource) Key() string { return Key(KindResource, r.URI, r.Version) }

// Key returns the template's key, "template:uri-template@version".
func (t *ResourceTemplate) Key() string { return Key(KindTemplate, t.URITemplate, t.Version) }

// Key returns the prompt's key, "prompt:name@version".
func (p *Prompt) Key() string { return Key(KindPrompt, p.Name, p.Version) }
