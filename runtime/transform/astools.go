package transform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ResourceTools adds the tools list_resources and read_resource, for
// clients that can only call tools; see ResourcesAsTools.
type ResourceTools struct {
	srv *runtime.Server
}

// ResourcesAsTools returns the transform adding two tools that reach the
// resources of srv (usually the server the transform is added to), as
// FastMCP's ResourcesAsTools does:
//
//   - list_resources (no arguments) returns, as JSON text indented by two
//     spaces, an array with an entry per resource,
//     {"uri", "name", "description", "mime_type"}, followed by an entry per
//     resource template, {"uri_template", "name", "description"} (an entry
//     has uri or uri_template, never both; an empty description or MIME
//     type is null).
//   - read_resource {"uri": string} reads a resource, or the template the
//     URI matches: one text content is returned as its text, one binary
//     content base64-encoded, and several as a JSON array of
//     {"content", "mime_type"}. An unknown URI gives a tool error
//     "Unknown resource: '<uri>'"; other failures a tool error with their
//     message.
//
// Both run through srv.Serve: the server's middleware runs, and they see
// what the calling session may see (paged lists are followed to the end).
// A tool of the same name that the components already have takes
// precedence (the catalogue keeps the first).
func ResourcesAsTools(srv *runtime.Server) ResourceTools { return ResourceTools{srv: srv} }

// PromptTools adds the tools list_prompts and get_prompt; see
// PromptsAsTools.
type PromptTools struct {
	srv *runtime.Server
}

// PromptsAsTools returns the transform adding two tools that reach the
// prompts of srv, as FastMCP's PromptsAsTools does:
//
//   - list_prompts (no arguments) returns, as JSON text indented by two
//     spaces, an array of {"name", "description", "arguments": [{"name",
//     "description", "required"}]}.
//   - get_prompt {"name": string, "arguments": object} renders a prompt and
//     returns {"messages": [{"role", "content"}]}, content being the text
//     of a text message and the content object otherwise. Argument values
//     that are not strings are passed as their JSON text. An unknown
//     prompt gives a tool error "Unknown prompt: '<name>'".
//
// Like ResourcesAsTools, they run through srv.Serve.
func PromptsAsTools(srv *runtime.Server) PromptTools { return PromptTools{srv: srv} }

var (
	emptySchema        = json.RawMessage(`{"type":"object","properties":{}}`)
	readResourceSchema = json.RawMessage(`{"type":"object","properties":{"uri":{"type":"string","description":"The URI of the resource to read"}},"required":["uri"]}`)
	getPromptSchema    = json.RawMessage(`{"type":"object","properties":{"name":{"type":"string","description":"The name of the prompt to get"},"arguments":{"anyOf":[{"type":"object","additionalProperties":true},{"type":"null"}],"default":null,"description":"Optional arguments for the prompt"}},"required":["name"]}`)
)

// Transform implements runtime.Transform.
func (rt ResourceTools) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	if rt.srv == nil {
		return nil, errors.New("transform.ResourcesAsTools: nil server")
	}
	out := in.Clone()
	out.Tools = append(out.Tools,
		&runtime.Tool{
			Name: "list_resources",
			Description: "List all available resources and resource templates.\n\n" +
				"Returns JSON with resource metadata. Static resources have a 'uri' field,\n" +
				"while templates have a 'uri_template' field with placeholders like {name}.",
			InputSchema: emptySchema,
			Handler:     rt.list,
		},
		&runtime.Tool{
			Name: "read_resource",
			Description: "Read a resource by its URI.\n\n" +
				"For static resources, provide the exact URI. For templated resources,\n" +
				"provide the URI with template parameters filled in.\n\n" +
				"Returns the resource content as a string. Binary content is\nbase64-encoded.",
			InputSchema: readResourceSchema,
			Handler:     rt.read,
		})
	return out, nil
}

// Transform implements runtime.Transform.
func (pt PromptTools) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	if pt.srv == nil {
		return nil, errors.New("transform.PromptsAsTools: nil server")
	}
	out := in.Clone()
	out.Tools = append(out.Tools,
		&runtime.Tool{
			Name: "list_prompts",
			Description: "List all available prompts.\n\n" +
				"Returns JSON with prompt metadata including name, description,\nand optional arguments.",
			InputSchema: emptySchema,
			Handler:     pt.list,
		},
		&runtime.Tool{
			Name: "get_prompt",
			Description: "Get a prompt by name with optional arguments.\n\n" +
				"Returns the rendered prompt as JSON with a messages array.\n" +
				"Arguments should be provided as an object mapping argument names to values.",
			InputSchema: getPromptSchema,
			Handler:     pt.get,
		})
	return out, nil
}

type resourceEntry struct {
	URI         string  `json:"uri"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	MIMEType    *string `json:"mime_type"`
}

type templateEntry struct {
	URITemplate string  `json:"uri_template"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (rt ResourceTools) list(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
	entries := []any{}
	for cursor := ""; ; {
		res, err := rt.srv.Serve(ctx, &runtime.Request{Method: runtime.MethodListResources, Cursor: cursor})
		if err != nil {
			return runtime.ErrorResult(err), nil
		}
		lr, ok := res.(*mcp.ListResourcesResult)
		if !ok || lr == nil {
			return nil, fmt.Errorf("list_resources: resources/list answered %T", res)
		}
		for _, r := range lr.Resources {
			entries = append(entries, resourceEntry{r.URI, r.Name, orNull(r.Description), orNull(r.MIMEType)})
		}
		if cursor = lr.NextCursor; cursor == "" {
			break
		}
	}
	for cursor := ""; ; {
		res, err := rt.srv.Serve(ctx, &runtime.Request{Method: runtime.MethodListResourceTemplates, Cursor: cursor})
		if err != nil {
			return runtime.ErrorResult(err), nil
		}
		lr, ok := res.(*mcp.ListResourceTemplatesResult)
		if !ok || lr == nil {
			return nil, fmt.Errorf("list_resources: resources/templates/list answered %T", res)
		}
		for _, t := range lr.ResourceTemplates {
			entries = append(entries, templateEntry{t.URITemplate, t.Name, orNull(t.Description)})
		}
		if cursor = lr.NextCursor; cursor == "" {
			break
		}
	}
	return runtime.TextResult(indented(entries)), nil
}

func (rt ResourceTools) read(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
	var in struct {
		URI *string `json:"uri"`
	}
	if err := decodeArgs(args, &in); err != nil {
		return runtime.ArgumentsError(err), nil
	}
	if in.URI == nil {
		return runtime.ArgumentsError(errors.New(`missing required argument "uri"`)), nil
	}
	uri := *in.URI
	res, err := rt.srv.Serve(ctx, &runtime.Request{Method: runtime.MethodReadResource, Name: uri})
	if err != nil {
		if notFound(err) {
			return runtime.ErrorResult(runtime.ToolErrorf("Unknown resource: %s", pyRepr(uri))), nil
		}
		return runtime.ErrorResult(err), nil
	}
	rr, ok := res.(*runtime.ReadResourceResult)
	if !ok || rr == nil {
		return nil, fmt.Errorf("read_resource: resources/read answered %T", res)
	}
	if len(rr.Contents) == 1 && rr.Contents[0] != nil {
		return runtime.TextResult(contentString(rr.Contents[0])), nil
	}
	// Several contents: JSON as Python's json.dumps writes it, unindented.
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range rr.Contents {
		if c == nil {
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`{"content": `)
		b.Write(jsonString(contentString(c)))
		b.WriteString(`, "mime_type": `)
		if c.MIMEType == "" {
			b.WriteString("null")
		} else {
			b.Write(jsonString(c.MIMEType))
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return runtime.TextResult(b.String()), nil
}

// contentString is a content's text, or its blob in base64.
func contentString(c *runtime.ResourceContents) string {
	if c.Blob != nil {
		return base64.StdEncoding.EncodeToString(c.Blob)
	}
	return c.Text
}

// notFound reports the "resource not found" error of a read.
func notFound(err error) bool {
	if errors.Is(err, runtime.ErrResourceNotFound) {
		return true
	}
	var je *jsonrpc.Error
	return errors.As(err, &je) && je.Code == mcp.CodeResourceNotFound && je.Message == "Resource not found"
}

type promptEntry struct {
	Name        string     `json:"name"`
	Description *string    `json:"description"`
	Arguments   []argEntry `json:"arguments"`
}

type argEntry struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Required    bool    `json:"required"`
}

func (pt PromptTools) list(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
	entries := []promptEntry{}
	for cursor := ""; ; {
		res, err := pt.srv.Serve(ctx, &runtime.Request{Method: runtime.MethodListPrompts, Cursor: cursor})
		if err != nil {
			return runtime.ErrorResult(err), nil
		}
		lp, ok := res.(*mcp.ListPromptsResult)
		if !ok || lp == nil {
			return nil, fmt.Errorf("list_prompts: prompts/list answered %T", res)
		}
		for _, p := range lp.Prompts {
			e := promptEntry{Name: p.Name, Description: orNull(p.Description), Arguments: []argEntry{}}
			for _, a := range p.Arguments {
				e.Arguments = append(e.Arguments, argEntry{a.Name, orNull(a.Description), a.Required})
			}
			entries = append(entries, e)
		}
		if cursor = lp.NextCursor; cursor == "" {
			break
		}
	}
	return runtime.TextResult(indented(entries)), nil
}

func (pt PromptTools) get(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
	var in struct {
		Name      *string                    `json:"name"`
		Arguments map[string]json.RawMessage `json:"arguments"`
	}
	if err := decodeArgs(args, &in); err != nil {
		return runtime.ArgumentsError(err), nil
	}
	if in.Name == nil {
		return runtime.ArgumentsError(errors.New(`missing required argument "name"`)), nil
	}
	var pargs map[string]string
	if in.Arguments != nil {
		pargs = make(map[string]string, len(in.Arguments))
		for k, v := range in.Arguments {
			var s string
			if json.Unmarshal(v, &s) == nil {
				pargs[k] = s
			} else {
				pargs[k] = string(v)
			}
		}
	}
	res, err := pt.srv.Serve(ctx, &runtime.Request{Method: runtime.MethodGetPrompt, Name: *in.Name, PromptArguments: pargs})
	if err != nil {
		var je *jsonrpc.Error
		if errors.As(err, &je) && je.Code == jsonrpc.CodeInvalidParams && strings.HasPrefix(je.Message, "unknown prompt") {
			return runtime.ErrorResult(runtime.ToolErrorf("Unknown prompt: %s", pyRepr(*in.Name))), nil
		}
		return runtime.ErrorResult(err), nil
	}
	gp, ok := res.(*runtime.GetPromptResult)
	if !ok || gp == nil {
		return nil, fmt.Errorf("get_prompt: prompts/get answered %T", res)
	}
	type message struct {
		Role    string `json:"role"`
		Content any    `json:"content"`
	}
	out := struct {
		Messages []message `json:"messages"`
	}{Messages: []message{}}
	for _, m := range gp.Messages {
		if m == nil {
			continue
		}
		var content any
		if tc, ok := m.Content.(*runtime.TextContent); ok {
			content = tc.Text
		} else if m.Content != nil {
			js, err := json.Marshal(m.Content)
			if err != nil {
				return runtime.ErrorResult(err), nil
			}
			content = json.RawMessage(js)
		}
		out.Messages = append(out.Messages, message{string(m.Role), content})
	}
	return runtime.TextResult(indented(out)), nil
}

// decodeArgs decodes a tool's arguments (none, null or an object).
func decodeArgs(args json.RawMessage, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil
	}
	return json.Unmarshal(args, v)
}

// indented is v as Python's json.dumps(v, indent=2) writes it (except
// that text outside ASCII is kept as it is rather than \u-escaped).
func indented(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("transform: %v", err)) // only strings, bools and raw JSON
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// pyRepr quotes s as Python's repr does, as FastMCP's messages show names.
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
