// Package client connects to MCP servers over streamable HTTP with go-sdk,
// with the behaviour mcpgen's tools and tests share: a protocol version to
// offer, extra headers, and elicitation answered from the requested
// schema's defaults. It is the base of the mcpgen CLI's client side.
package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options configure Connect. The zero value connects as "mcpgen" and
// negotiates the newest protocol version.
type Options struct {
	// Name and Version identify the client; Name defaults to "mcpgen".
	Name, Version string
	// ProtocolVersion pins the version offered at initialization. Left
	// "", the client negotiates the newest version both sides support:
	// 2026-07-28 first (server/discover, no session), falling back to
	// the initialize handshake of 2025-11-25 and older.
	ProtocolVersion string
	// Header is added to every HTTP request (e.g. Authorization).
	Header http.Header
	// OAuth, if set, authorizes the connection with OAuth when the server
	// asks for it (see OAuth).
	OAuth *OAuth
	// Elicit answers elicitation requests; nil declares no elicitation
	// capability. AcceptDefaults is a ready-made answer.
	Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
	// Progress, if set, receives the progress notifications of calls that
	// carry a progress token (see ProgressMeta).
	Progress func(*mcp.ProgressNotificationParams)
	// Middleware is added to the client's sending middleware, in order:
	// runtime/otel's ClientMiddleware traces each request and carries its
	// trace context to the server.
	Middleware []mcp.Middleware
	// TaskStatus, if set, receives the states of the tasks that CallTool
	// and Call wait for (see Tasks.Status): their calls declare the tasks
	// extension, and a tool the server runs as a task is waited for.
	TaskStatus func(*TaskState)
}

// ProgressMeta returns request metadata asking the server for progress
// notifications under token, which Options.Progress then receives.
func ProgressMeta(token string) mcp.Meta { return mcp.Meta{"progressToken": token} }

// Connect opens a session with the streamable HTTP server at url.
func Connect(ctx context.Context, url string, opts *Options) (*mcp.ClientSession, error) {
	if opts == nil {
		opts = &Options{}
	}
	c, ts := opts.newClient()
	var rt http.RoundTripper = http.DefaultTransport
	if len(opts.Header) > 0 {
		rt = WithHeader(rt, opts.Header)
	}
	t := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: ts.RoundTripper(rt)}}
	if opts.OAuth != nil {
		h, err := opts.OAuth.Handler()
		if err != nil {
			return nil, fmt.Errorf("connecting to %s: %w", url, err)
		}
		t.OAuthHandler = h
	}
	cs, err := c.Connect(ctx, t, opts.sessionOptions())
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", url, err)
	}
	return cs, nil
}

// newClient returns a go-sdk client identified and configured by o, with
// the Tasks its transport must tap.
func (o *Options) newClient() (*mcp.Client, *Tasks) {
	name, version := o.Name, o.Version
	if name == "" {
		name = "mcpgen"
	}
	if version == "" {
		version = "dev"
	}
	copts := &mcp.ClientOptions{}
	if o.Elicit != nil {
		copts.ElicitationHandler = o.Elicit
	}
	if o.Progress != nil {
		progress := o.Progress
		copts.ProgressNotificationHandler = func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			progress(req.Params)
		}
	}
	ts := &Tasks{Status: o.TaskStatus}
	c := ts.NewClient(&mcp.Implementation{Name: name, Version: version}, copts)
	c.AddSendingMiddleware(o.Middleware...)
	AddSkillMethods(c) // fails only on a standard method's name
	return c, ts
}

func (o *Options) sessionOptions() *mcp.ClientSessionOptions {
	if o.ProtocolVersion == "" {
		return nil
	}
	return &mcp.ClientSessionOptions{ProtocolVersion: o.ProtocolVersion}
}

// WithHeader returns a round tripper that sets header on every request
// (replacing values of the same names) before passing it to base.
func WithHeader(base http.RoundTripper, header http.Header) http.RoundTripper {
	return &headerTransport{base: base, header: header}
}

type headerTransport struct {
	base   http.RoundTripper
	header http.Header
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.header) > 0 {
		r = r.Clone(r.Context())
		for k, vs := range t.header {
			r.Header[k] = append([]string(nil), vs...)
		}
	}
	return t.base.RoundTrip(r)
}

// AcceptDefaults answers an elicitation by accepting it with every field
// the requested schema gives a default for (SEP-1034): what a user who
// confirms a pre-filled form sends.
func AcceptDefaults(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	return &mcp.ElicitResult{Action: "accept", Content: Defaults(req.Params.RequestedSchema)}, nil
}

// Defaults returns the defaults of the top-level properties of a flat
// elicitation schema (any JSON-encodable schema value).
func Defaults(schema any) map[string]any {
	out := map[string]any{}
	js, err := json.Marshal(schema)
	if err != nil {
		return out
	}
	var s struct {
		Properties map[string]struct {
			Default json.RawMessage `json:"default"`
		} `json:"properties"`
	}
	if json.Unmarshal(js, &s) != nil {
		return out
	}
	for name, p := range s.Properties {
		if len(p.Default) == 0 {
			continue
		}
		var v any
		if json.Unmarshal(p.Default, &v) == nil {
			out[name] = v
		}
	}
	return out
}

// ToolError is the error a typed client returns when a tool answers with
// an error result (isError): Text is the result's text, which says what
// went wrong.
type ToolError struct {
	Tool   string
	Text   string
	Result *mcp.CallToolResult
}

func (e *ToolError) Error() string { return fmt.Sprintf("tool %s: %s", e.Tool, e.Text) }

// CallTool calls a tool with arguments already encoded as a JSON object,
// asking for version when it is not "". It returns the result and its
// structured content as JSON (nil when there is none); an error result
// comes back as a *ToolError. A tool the server runs as a task is waited
// for (see Call and Task.Wait): a task that fails or is cancelled comes
// back as a *TaskError, and when ctx ends first the task is cancelled on
// the server. Generated typed clients call it.
func CallTool(ctx context.Context, s *mcp.ClientSession, name, version string, args []byte) (*mcp.CallToolResult, []byte, error) {
	p := &mcp.CallToolParams{Name: name}
	if args != nil {
		p.Arguments = json.RawMessage(args)
	}
	if version != "" {
		p.Meta = mcp.Meta{"mcpgen": map[string]any{"version": version}}
	}
	res, err := Call(ctx, s, p)
	if err != nil {
		return nil, nil, fmt.Errorf("tool %s: %w", name, err)
	}
	if res.IsError {
		return res, nil, &ToolError{Tool: name, Text: Text(res.Content), Result: res}
	}
	if res.StructuredContent == nil {
		return res, nil, nil
	}
	js, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return res, nil, fmt.Errorf("tool %s: structured content: %w", name, err)
	}
	return res, js, nil
}

// CallStructured calls a tool as CallTool does and decodes its structured
// content into out with read; a result without structured content is an
// error. Generated typed clients call it.
func CallStructured[T any](ctx context.Context, s *mcp.ClientSession, name, version string, args []byte, out *T, read codec.Reader[T]) error {
	_, js, err := CallTool(ctx, s, name, version, args)
	if err != nil {
		return err
	}
	if js == nil {
		return fmt.Errorf("tool %s: the result has no structured content", name)
	}
	if err := codec.Decode(js, out, read); err != nil {
		return fmt.Errorf("tool %s: decoding the result: %w", name, err)
	}
	return nil
}

// ReadStructured reads a resource whose first contents are JSON text and
// decodes it into out with read. Generated typed clients call it.
func ReadStructured[T any](ctx context.Context, s *mcp.ClientSession, uri string, out *T, read codec.Reader[T]) error {
	rc, err := ReadResource(ctx, s, uri)
	if err != nil {
		return err
	}
	if err := codec.Decode([]byte(rc.Text), out, read); err != nil {
		return fmt.Errorf("resource %s: decoding the result: %w", uri, err)
	}
	return nil
}

// Text joins the text of the text contents.
func Text(cs []mcp.Content) string {
	var parts []string
	for _, c := range cs {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// Blob returns the data of the first image, audio or embedded blob.
func Blob(cs []mcp.Content) []byte {
	for _, c := range cs {
		switch c := c.(type) {
		case *mcp.ImageContent:
			return c.Data
		case *mcp.AudioContent:
			return c.Data
		case *mcp.EmbeddedResource:
			if c.Resource != nil && c.Resource.Blob != nil {
				return c.Resource.Blob
			}
		}
	}
	return nil
}

// ReadResource reads a resource and returns its first contents.
func ReadResource(ctx context.Context, s *mcp.ClientSession, uri string) (*mcp.ResourceContents, error) {
	res, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", uri, err)
	}
	if len(res.Contents) == 0 {
		return nil, fmt.Errorf("resource %s: no contents", uri)
	}
	return res.Contents[0], nil
}

// GetPrompt gets a prompt, asking for version when it is not "".
func GetPrompt(ctx context.Context, s *mcp.ClientSession, name, version string, args map[string]string) (*mcp.GetPromptResult, error) {
	p := &mcp.GetPromptParams{Name: name, Arguments: args}
	if version != "" {
		p.Meta = mcp.Meta{"mcpgen": map[string]any{"version": version}}
	}
	res, err := s.GetPrompt(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("prompt %s: %w", name, err)
	}
	return res, nil
}

// ConnectCommand starts argv as a stdio server and opens a session with
// it. The server's stderr goes to this process's stderr. Closing the
// session ends the server and everything it started (see
// CommandTransport).
func ConnectCommand(ctx context.Context, argv []string, opts *Options) (*mcp.ClientSession, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no server command")
	}
	if opts == nil {
		opts = &Options{}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	c, ts := opts.newClient()
	cs, err := c.Connect(ctx, ts.Transport(CommandTransport(cmd, 0)), opts.sessionOptions())
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", strings.Join(argv, " "), err)
	}
	return cs, nil
}
