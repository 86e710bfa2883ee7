package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"
)

// maxPages bounds how many pages of one list the proxy follows, against
// an upstream whose cursors never end.
const maxPages = 1000

// Components lists the upstream server over the catalogue session
// (connecting it if needed) and returns its tools, resources, resource
// templates, prompts and completions as components whose handlers
// forward to the upstream. It implements runtime.Provider.
//
// A component the upstream lists with mcpgen's _meta ({"mcpgen":
// {"tags", "version", "versions"}}) keeps its tags, and is served in each
// of its versions (with the highest version's description and schema,
// since the upstream lists only that one); a call forwards the version.
func (p *Proxy) Components(ctx context.Context) (*runtime.Components, error) {
	u, err := p.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	// A listing is bounded too: a stuck upstream must not stall the catalogue.
	ctx, cancel := context.WithTimeout(ctx, 3*p.opts.connectTimeout())
	defer cancel()
	caps := &mcp.ServerCapabilities{}
	if ir := u.cs.InitializeResult(); ir != nil && ir.Capabilities != nil {
		caps = ir.Capabilities
	}
	out := &runtime.Components{}
	if caps.Tools != nil {
		tools, err := listAll(ctx, func(cursor string) ([]*mcp.Tool, string, error) {
			r, err := u.cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.Tools, r.NextCursor, nil
		})
		if err != nil {
			return nil, p.listError("tools/list", err)
		}
		for _, t := range tools {
			out.Tools = append(out.Tools, p.tools(t)...)
		}
	}
	if caps.Resources != nil {
		res, err := listAll(ctx, func(cursor string) ([]*mcp.Resource, string, error) {
			r, err := u.cs.ListResources(ctx, &mcp.ListResourcesParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.Resources, r.NextCursor, nil
		})
		if err != nil {
			return nil, p.listError("resources/list", err)
		}
		for _, r := range res {
			out.Resources = append(out.Resources, p.resources(r)...)
		}
		tmpls, err := listAll(ctx, func(cursor string) ([]*mcp.ResourceTemplate, string, error) {
			r, err := u.cs.ListResourceTemplates(ctx, &mcp.ListResourceTemplatesParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.ResourceTemplates, r.NextCursor, nil
		})
		if err != nil {
			return nil, p.listError("resources/templates/list", err)
		}
		for _, t := range tmpls {
			out.ResourceTemplates = append(out.ResourceTemplates, p.templates(t, caps.Completions != nil, &out.Completions)...)
		}
	}
	if caps.Prompts != nil {
		prompts, err := listAll(ctx, func(cursor string) ([]*mcp.Prompt, string, error) {
			r, err := u.cs.ListPrompts(ctx, &mcp.ListPromptsParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.Prompts, r.NextCursor, nil
		})
		if err != nil {
			return nil, p.listError("prompts/list", err)
		}
		for _, pr := range prompts {
			out.Prompts = append(out.Prompts, p.prompts(pr, caps.Completions != nil, &out.Completions)...)
		}
	}
	return dedupe(out), nil
}

func (p *Proxy) listError(method string, err error) error {
	return fmt.Errorf("proxy: %s on upstream %s: %w", method, p.target, err)
}

// listAll follows nextCursor to the end of a list. METHOD_NOT_FOUND means
// the upstream has no such list: an empty one.
func listAll[T any](ctx context.Context, page func(cursor string) ([]T, string, error)) ([]T, error) {
	var all []T
	cursor := ""
	for range maxPages {
		items, next, err := page(cursor)
		if err != nil {
			var je *jsonrpc.Error
			if errors.As(err, &je) && je.Code == jsonrpc.CodeMethodNotFound {
				return nil, nil
			}
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		if next == cursor {
			return nil, fmt.Errorf("the upstream returned the same cursor %q twice", next)
		}
		cursor = next
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("more than %d pages", maxPages)
}

// versionMeta splits mcpgen's listing meta from a component's _meta: the
// rest of the meta, the tags, and the versions to serve ([""] when
// unversioned).
func versionMeta(meta mcp.Meta) (rest map[string]any, tags, versions []string) {
	versions = []string{""}
	m, ok := meta["mcpgen"].(map[string]any)
	if !ok {
		if len(meta) > 0 {
			rest = map[string]any(meta)
		}
		return rest, nil, versions
	}
	for k, v := range meta {
		if k == "mcpgen" {
			continue
		}
		if rest == nil {
			rest = map[string]any{}
		}
		rest[k] = v
	}
	tags = stringList(m["tags"])
	if v, _ := m["version"].(string); v != "" {
		versions = stringList(m["versions"])
		if !slices.Contains(versions, v) {
			versions = append([]string{v}, versions...)
		}
	}
	slices.Sort(tags)
	return rest, tags, versions
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func schemaJSON(v any, def string) json.RawMessage {
	if v == nil {
		if def == "" {
			return nil
		}
		return json.RawMessage(def)
	}
	js, err := json.Marshal(v)
	if err != nil || string(js) == "null" {
		if def == "" {
			return nil
		}
		return json.RawMessage(def)
	}
	return js
}

func (p *Proxy) tools(t *mcp.Tool) []*runtime.Tool {
	meta, tags, versions := versionMeta(t.Meta)
	var out []*runtime.Tool
	for _, v := range versions {
		name, version := t.Name, v
		out = append(out, &runtime.Tool{
			Name: t.Name, Version: v, Title: t.Title, Description: t.Description, Tags: tags,
			Annotations:  t.Annotations,
			InputSchema:  schemaJSON(t.InputSchema, `{"type":"object"}`),
			OutputSchema: schemaJSON(t.OutputSchema, ""),
			Meta:         meta,
			Handler: func(ctx context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
				return p.callTool(ctx, name, version, args)
			},
		})
	}
	return out
}

func (p *Proxy) resources(r *mcp.Resource) []*runtime.Resource {
	meta, tags, versions := versionMeta(r.Meta)
	var out []*runtime.Resource
	for _, v := range versions {
		uri, version := r.URI, v
		out = append(out, &runtime.Resource{
			URI: r.URI, Name: r.Name, Version: v, Title: r.Title, Description: r.Description,
			MIMEType: r.MIMEType, Tags: tags, Meta: meta,
			Handler: func(ctx context.Context, _ string) (*runtime.ReadResourceResult, error) {
				return p.readResource(ctx, uri, version)
			},
		})
	}
	return out
}

func (p *Proxy) templates(t *mcp.ResourceTemplate, completes bool, completions *[]*runtime.Completion) []*runtime.ResourceTemplate {
	tmpl, err := uritemplate.New(t.URITemplate)
	if err != nil {
		p.log.Warn("proxy: skipping an upstream resource template that does not parse", "template", t.URITemplate, "err", err)
		return nil
	}
	meta, tags, versions := versionMeta(t.Meta)
	var out []*runtime.ResourceTemplate
	for _, v := range versions {
		version := v
		out = append(out, &runtime.ResourceTemplate{
			URITemplate: t.URITemplate, Name: t.Name, Version: v, Title: t.Title, Description: t.Description,
			MIMEType: t.MIMEType, Tags: tags, Meta: meta,
			Handler: func(ctx context.Context, uri string, _ []string) (*runtime.ReadResourceResult, error) {
				return p.readResource(ctx, uri, version)
			},
		})
	}
	if completes {
		ref := &mcp.CompleteReference{Type: "ref/resource", URI: t.URITemplate}
		for _, name := range tmpl.Varnames() {
			arg := name
			*completions = append(*completions, &runtime.Completion{
				ResourceTemplate: t.URITemplate, Argument: arg,
				Handler: func(ctx context.Context, value string, args map[string]string) ([]string, error) {
					return p.complete(ctx, ref, arg, value, args)
				},
			})
		}
	}
	return out
}

func (p *Proxy) prompts(pr *mcp.Prompt, completes bool, completions *[]*runtime.Completion) []*runtime.Prompt {
	meta, tags, versions := versionMeta(pr.Meta)
	var args []runtime.PromptArgument
	for _, a := range pr.Arguments {
		if a == nil {
			continue
		}
		args = append(args, runtime.PromptArgument{Name: a.Name, Title: a.Title, Description: a.Description, Required: a.Required})
	}
	var out []*runtime.Prompt
	for _, v := range versions {
		name, version := pr.Name, v
		out = append(out, &runtime.Prompt{
			Name: pr.Name, Version: v, Title: pr.Title, Description: pr.Description, Tags: tags,
			Arguments: args, Meta: meta,
			Handler: func(ctx context.Context, args map[string]string) (*runtime.GetPromptResult, error) {
				return p.getPrompt(ctx, name, version, args)
			},
		})
	}
	if completes {
		ref := &mcp.CompleteReference{Type: "ref/prompt", Name: pr.Name}
		for _, a := range args {
			arg := a.Name
			*completions = append(*completions, &runtime.Completion{
				Prompt: pr.Name, Argument: arg,
				Handler: func(ctx context.Context, value string, args map[string]string) ([]string, error) {
					return p.complete(ctx, ref, arg, value, args)
				},
			})
		}
	}
	return out
}

// dedupe drops components an upstream listed twice (the runtime refuses a
// listing with duplicates), keeping the first.
func dedupe(c *runtime.Components) *runtime.Components {
	seen := map[string]bool{}
	first := func(key string) bool {
		if seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	c.Tools = slices.DeleteFunc(c.Tools, func(t *runtime.Tool) bool { return t.Name == "" || !first(t.Key()) })
	c.Resources = slices.DeleteFunc(c.Resources, func(r *runtime.Resource) bool { return r.URI == "" || !first(r.Key()) })
	c.ResourceTemplates = slices.DeleteFunc(c.ResourceTemplates, func(t *runtime.ResourceTemplate) bool { return !first(t.Key()) })
	c.Prompts = slices.DeleteFunc(c.Prompts, func(p *runtime.Prompt) bool { return p.Name == "" || !first(p.Key()) })
	c.Completions = slices.DeleteFunc(c.Completions, func(x *runtime.Completion) bool {
		return !first("completion\x00" + x.Prompt + "\x00" + x.ResourceTemplate + "\x00" + x.Argument)
	})
	return c
}
