package transform

import (
	"context"
	"fmt"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
)

// Namespace puts components under a namespace, as FastMCP's Namespace
// does: tools and prompts are renamed "ns_name"; a resource URI gets the
// namespace as the first path segment after "://" ("config://app" becomes
// "config://ns/app"), and so does a URI template ("user://{id}" becomes
// "user://ns/{id}"). Completions follow their prompts and templates.
//
// Calls are mapped back: a resource or template handler is given the URI
// without the namespace (and a template the same variable values), and
// the contents it returns under that URI are reported under the
// namespaced one. Tool and prompt handlers are unchanged. Names without
// the namespace (or with another one) are not found. Namespaces stack:
// Namespace("inner") then Namespace("outer") gives "outer_inner_tool" and
// "scheme://outer/inner/path".
//
// A resource URI or template without "://" cannot be namespaced and makes
// Transform fail (FastMCP leaves such a URI unchanged, which leaves the
// resource listed but not readable). So does a namespace containing '/',
// '{' or '}'. The empty namespace changes nothing.
type Namespace string

// Transform implements runtime.Transform.
func (ns Namespace) Transform(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
	if ns == "" {
		return in.Clone(), nil
	}
	if strings.ContainsAny(string(ns), "/{}") {
		return nil, fmt.Errorf("transform.Namespace(%q): a namespace cannot contain '/', '{' or '}'", string(ns))
	}
	if in == nil {
		in = &runtime.Components{}
	}
	prefix := string(ns) + "_"
	out := &runtime.Components{
		Tools:             make([]*runtime.Tool, len(in.Tools)),
		Resources:         make([]*runtime.Resource, len(in.Resources)),
		ResourceTemplates: make([]*runtime.ResourceTemplate, len(in.ResourceTemplates)),
		Prompts:           make([]*runtime.Prompt, len(in.Prompts)),
		Completions:       make([]*runtime.Completion, len(in.Completions)),
	}
	for i, t := range in.Tools {
		if t == nil {
			continue
		}
		cp := *t
		cp.Name = prefix + t.Name
		out.Tools[i] = &cp
	}
	for i, r := range in.Resources {
		if r == nil {
			continue
		}
		uri, err := ns.uri(r.URI)
		if err != nil {
			return nil, err
		}
		cp := *r
		cp.URI = uri
		if h := r.Handler; h != nil {
			orig := r.URI
			cp.Handler = func(ctx context.Context, _ string) (*runtime.ReadResourceResult, error) {
				res, err := h(ctx, orig)
				return relabel(res, orig, uri), err
			}
		}
		out.Resources[i] = &cp
	}
	for i, t := range in.ResourceTemplates {
		if t == nil {
			continue
		}
		tmpl, err := ns.uri(t.URITemplate)
		if err != nil {
			return nil, err
		}
		cp := *t
		cp.URITemplate = tmpl
		if h := t.Handler; h != nil {
			cp.Handler = func(ctx context.Context, uri string, vars []string) (*runtime.ReadResourceResult, error) {
				orig := ns.strip(uri)
				res, err := h(ctx, orig, vars)
				return relabel(res, orig, uri), err
			}
		}
		out.ResourceTemplates[i] = &cp
	}
	for i, p := range in.Prompts {
		if p == nil {
			continue
		}
		cp := *p
		cp.Name = prefix + p.Name
		out.Prompts[i] = &cp
	}
	for i, c := range in.Completions {
		if c == nil {
			continue
		}
		cp := *c
		if c.Prompt != "" {
			cp.Prompt = prefix + c.Prompt
		}
		if c.ResourceTemplate != "" {
			tmpl, err := ns.uri(c.ResourceTemplate)
			if err != nil {
				return nil, err
			}
			cp.ResourceTemplate = tmpl
		}
		out.Completions[i] = &cp
	}
	return out, nil
}

// uri puts the namespace after the "://" of a URI or URI template.
func (ns Namespace) uri(uri string) (string, error) {
	i := strings.Index(uri, "://")
	if i <= 0 {
		return "", fmt.Errorf("transform.Namespace(%q): resource URI %q has no scheme://, so it cannot be namespaced", string(ns), uri)
	}
	return uri[:i+3] + string(ns) + "/" + uri[i+3:], nil
}

// strip removes the namespace from a URI the namespaced template matched.
func (ns Namespace) strip(uri string) string {
	i := strings.Index(uri, "://")
	if i < 0 {
		return uri
	}
	if rest, ok := strings.CutPrefix(uri[i+3:], string(ns)+"/"); ok {
		return uri[:i+3] + rest
	}
	return uri
}

// relabel reports contents the handler returned under the URI it was
// given (orig) under the URI the client asked for; res is not modified.
func relabel(res *runtime.ReadResourceResult, orig, uri string) *runtime.ReadResourceResult {
	if res == nil || orig == uri {
		return res
	}
	var out *runtime.ReadResourceResult
	for i, c := range res.Contents {
		if c == nil || c.URI != orig {
			continue
		}
		if out == nil {
			cp := *res
			cp.Contents = append([]*runtime.ResourceContents(nil), res.Contents...)
			out = &cp
		}
		cc := *c
		cc.URI = uri
		out.Contents[i] = &cc
	}
	if out == nil {
		return res
	}
	return out
}
