package proxy

import (
	"context"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
)

// namespace prefixes the components of one configured server with its
// name, by the rules of runtime/transform's Namespace: tools and prompts
// "ns_name", resources "scheme://ns/path", templates "scheme://ns/{var}"
// (a URI without "://" is left as it is). Handlers are the originals,
// which forward the upstream's own names; a template read maps the URI
// back first.
//
// TODO: use transform.Namespace once runtime/transform exists; this is
// the smallest equivalent for the proxy's own components.
func namespace(ns string) runtime.Transform {
	return runtime.TransformFunc(func(_ context.Context, in *runtime.Components) (*runtime.Components, error) {
		out := &runtime.Components{}
		for _, t := range in.Tools {
			cp := *t
			cp.Name = ns + "_" + t.Name
			out.Tools = append(out.Tools, &cp)
		}
		for _, r := range in.Resources {
			cp := *r
			cp.URI = nsURI(ns, r.URI)
			out.Resources = append(out.Resources, &cp)
		}
		for _, t := range in.ResourceTemplates {
			cp := *t
			cp.URITemplate = nsURI(ns, t.URITemplate)
			h := t.Handler
			cp.Handler = func(ctx context.Context, uri string, vars []string) (*runtime.ReadResourceResult, error) {
				return h(ctx, unNSURI(ns, uri), vars)
			}
			out.ResourceTemplates = append(out.ResourceTemplates, &cp)
		}
		for _, p := range in.Prompts {
			cp := *p
			cp.Name = ns + "_" + p.Name
			out.Prompts = append(out.Prompts, &cp)
		}
		for _, c := range in.Completions {
			cp := *c
			if c.Prompt != "" {
				cp.Prompt = ns + "_" + c.Prompt
			}
			if c.ResourceTemplate != "" {
				cp.ResourceTemplate = nsURI(ns, c.ResourceTemplate)
			}
			out.Completions = append(out.Completions, &cp)
		}
		return out, nil
	})
}

func nsURI(ns, uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	return scheme + "://" + ns + "/" + rest
}

func unNSURI(ns, uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	if r, ok := strings.CutPrefix(rest, ns+"/"); ok {
		return scheme + "://" + r
	}
	return uri
}
