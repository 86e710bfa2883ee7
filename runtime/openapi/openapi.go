// Package openapi serves a REST API described by an OpenAPI 3.0 or 3.1
// document as MCP components: by default every operation becomes a tool
// whose arguments are the operation's parameters and request body, and
// whose call is one HTTP request to the API.
//
//	p, err := openapi.Load(ctx, "https://api.example.com/openapi.json", openapi.Options{
//		Headers: http.Header{"X-Api-Key": {os.Getenv("API_KEY")}},
//	})
//	if err != nil {
//		return err
//	}
//	srv.Add(p)
//
// Route maps turn operations into resources or resource templates instead,
// or leave them out; the first map that matches an operation decides.
//
// Arguments are validated against the tool's input schema (compiled once)
// before any request is made. Path parameters are percent-encoded and may
// not be ".", ".." or contain a path separator, encoded or not, so no
// value can leave its path segment and reach another endpoint of the API.
// The MCP request's own headers (its Authorization above all) are never
// sent to the API: only Options.Headers and what Options.Client adds are.
package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mcpgen/mcpgen/runtime"
)

// Kind is what an operation becomes.
type Kind string

// The kinds a RouteMap can give.
const (
	Tool             Kind = "tool"
	Resource         Kind = "resource"
	ResourceTemplate Kind = "resource_template"
	Exclude          Kind = "exclude"
)

// RouteMap maps the operations it matches to a kind. Empty fields match
// everything; a map with several fields set matches only operations
// matching them all.
type RouteMap struct {
	// Methods are HTTP methods ("GET", "POST", ...), any case.
	Methods []string
	// Pattern is a regular expression matched against the path template
	// ("/pets/{petId}").
	Pattern string
	// Tags match an operation having any of them.
	Tags []string
	// Kind is what matching operations become. A resource whose path has
	// parameters is served as a resource template, and a resource template
	// without path parameters as a resource.
	Kind Kind
}

// Options configure a provider.
type Options struct {
	// RouteMaps decide what each operation becomes, the first match
	// winning; an operation no map matches becomes a tool.
	RouteMaps []RouteMap
	// Names renames components: operationId → name. Without an entry a
	// component is named by its operationId, or by method and path when it
	// has none.
	Names map[string]string
	// BaseURL is the API's URL, overriding the document's first server.
	BaseURL string
	// Client makes the requests. Nil means a client with Timeout that
	// follows redirects only within the API's origin.
	Client *http.Client
	// Timeout bounds each request of the default client (30 s when 0).
	Timeout time.Duration
	// Headers are sent with every request (an API key, say).
	Headers http.Header
	// MaxResponseBytes bounds a response body (10 MiB when 0); a larger
	// one is an error.
	MaxResponseBytes int64
	// NoOutputSchemas leaves output schemas out, for APIs whose answers do
	// not match their own documents. Without it, a 2xx JSON answer that
	// does not match the documented schema is a tool error.
	NoOutputSchemas bool
	// URIScheme is the scheme of resource URIs ("openapi" when "").
	URIScheme string
	// Logger receives what the provider skips and why (slog.Default when
	// nil).
	Logger *slog.Logger
}

// Provider is a runtime.Provider serving an OpenAPI document's operations.
type Provider struct {
	components *runtime.Components
	infos      []Info
	skipped    []string
}

// Info describes one component the provider built from an operation, for
// code generators (mcpgen openapi writes a Go package from them).
type Info struct {
	Name        string
	Kind        Kind // Tool, Resource or ResourceTemplate
	Description string
	Tags        []string
	// Operation is how a call makes the request.
	Operation *Operation
	// InputSchema, OutputSchema and Annotations are a tool's.
	InputSchema  json.RawMessage
	OutputSchema json.RawMessage
	Annotations  *runtime.ToolAnnotations
	// URI is a resource's URI or a template's URI template.
	URI string
}

// Operations describes the components built, in the document's order
// (paths as the document sorts them, methods alphabetically).
func (p *Provider) Operations() []Info { return slices.Clone(p.infos) }

var _ runtime.Provider = (*Provider)(nil)

// Components returns the components built from the document.
func (p *Provider) Components(context.Context) (*runtime.Components, error) {
	return p.components, nil
}

// Skipped lists the operations the provider could not serve, each with its
// reason (an unsupported request body type, say). They are logged too.
func (p *Provider) Skipped() []string { return slices.Clone(p.skipped) }

// maxDocument bounds an OpenAPI document fetched by Load.
const maxDocument = 32 << 20

// Load reads an OpenAPI document from a file or an http(s) URL and builds
// a provider from it. A relative server URL in the document (or none,
// which OpenAPI reads as "/") resolves against the document's URL.
// External references are not followed.
func Load(ctx context.Context, src string, opts Options) (*Provider, error) {
	data, loc, err := readDocument(ctx, src)
	if err != nil {
		return nil, err
	}
	return build(ctx, data, loc, opts)
}

// ReadDocument reads an OpenAPI document from a file or an http(s) URL (at
// most 32 MiB, within 30 seconds).
func ReadDocument(ctx context.Context, src string) ([]byte, error) {
	data, _, err := readDocument(ctx, src)
	return data, err
}

func readDocument(ctx context.Context, src string) ([]byte, *url.URL, error) {
	if u, err := url.Parse(src); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		data, err := fetch(ctx, src)
		if err != nil {
			return nil, nil, fmt.Errorf("openapi: %w", err)
		}
		return data, u, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return nil, nil, fmt.Errorf("openapi: %w", err)
	}
	return data, nil, nil
}

// New builds a provider from an OpenAPI document (JSON or YAML).
func New(ctx context.Context, doc []byte, opts Options) (*Provider, error) {
	return build(ctx, doc, nil, opts)
}

func fetch(ctx context.Context, src string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", src, err)
	}
	if len(data) > maxDocument {
		return nil, fmt.Errorf("GET %s: the document is larger than %d bytes", src, maxDocument)
	}
	return data, nil
}

func build(ctx context.Context, data []byte, loc *url.URL, opts Options) (*Provider, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: reading the document: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapi: the document is not valid OpenAPI: %w", err)
	}
	base, err := baseURL(doc, loc, opts.BaseURL)
	if err != nil {
		return nil, err
	}
	maps, err := compileMaps(opts.RouteMaps)
	if err != nil {
		return nil, err
	}
	client := newClient(base, opts)
	scheme := opts.URIScheme
	if scheme == "" {
		scheme = "openapi"
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	p := &Provider{components: &runtime.Components{}}
	names := map[string]string{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range sortedKeys(item.Operations()) {
			op := item.Operations()[method]
			kind := maps.kind(method, path, op.Tags)
			if kind == Exclude {
				continue
			}
			o, err := newOperation(doc, method, path, item, op, opts.Names)
			if err != nil {
				msg := fmt.Sprintf("%s %s: %v", method, path, err)
				p.skipped = append(p.skipped, msg)
				log.Warn("openapi: operation skipped", "operation", method+" "+path, "reason", err.Error())
				continue
			}
			if kind != Tool {
				if why := o.notResource(); why != "" {
					msg := fmt.Sprintf("%s %s: %s, so it cannot be a resource", method, path, why)
					p.skipped = append(p.skipped, msg)
					log.Warn("openapi: operation skipped", "operation", method+" "+path, "reason", why)
					continue
				}
			}
			if prev, dup := names[o.name]; dup {
				return nil, fmt.Errorf("openapi: %s %s and %s are both named %q; rename one with Options.Names", method, path, prev, o.name)
			}
			names[o.name] = method + " " + path
			o.client = client
			if opts.NoOutputSchemas {
				o.output, o.Output = nil, nil
			}
			info := Info{Name: o.name, Description: o.summary, Tags: o.tags, Operation: &o.Operation}
			switch {
			case kind == Tool:
				t := o.tool()
				p.components.Tools = append(p.components.Tools, t)
				info.Kind, info.InputSchema, info.OutputSchema, info.Annotations = Tool, t.InputSchema, t.OutputSchema, t.Annotations
			case len(o.pathParams) == 0:
				r := o.resource(scheme)
				p.components.Resources = append(p.components.Resources, r)
				info.Kind, info.URI = Resource, r.URI
			default:
				rt := o.template(scheme)
				p.components.ResourceTemplates = append(p.components.ResourceTemplates, rt)
				info.Kind, info.URI = ResourceTemplate, rt.URITemplate
			}
			p.infos = append(p.infos, info)
		}
	}
	return p, nil
}

// BaseURL returns the URL a provider built from doc sends requests to:
// override when set, or the document's first server with its variables'
// defaults. Code generators record it as the API's default.
func BaseURL(ctx context.Context, doc []byte, override string) (string, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	d, err := loader.LoadFromData(doc)
	if err != nil {
		return "", fmt.Errorf("openapi: reading the document: %w", err)
	}
	u, err := baseURL(d, nil, override)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// baseURL is the URL requests go to: the override, or the document's first
// server with its variables' defaults (or "/" when it names none), resolved
// against the document's location when relative.
func baseURL(doc *openapi3.T, loc *url.URL, override string) (*url.URL, error) {
	raw := override
	if raw == "" {
		switch {
		case len(doc.Servers) > 0:
			s := doc.Servers[0]
			raw = s.URL
			for name, v := range s.Variables {
				raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
			}
		case loc != nil:
			raw = "/" // OpenAPI's default server, relative to the document
		default:
			return nil, errors.New("openapi: the document names no server; set Options.BaseURL")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("openapi: base URL %q: %w", raw, err)
	}
	if !u.IsAbs() {
		if loc == nil {
			return nil, fmt.Errorf("openapi: the server URL %q is relative and the document was not loaded from a URL; set Options.BaseURL", raw)
		}
		raw = loc.ResolveReference(u).String()
	}
	return parseBase(raw)
}

// parseBase parses an absolute http(s) base URL, without its query,
// fragment or trailing slash.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("openapi: base URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("openapi: base URL %q is not an absolute http or https URL", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// sameOrigin refuses redirects that leave the API's origin, so that the
// headers of Options.Headers (an API key) never reach another host.
func sameOrigin(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if req.URL.Scheme != base.Scheme || req.URL.Host != base.Host {
			return fmt.Errorf("refusing a redirect to %s, outside the API's origin %s://%s", req.URL.Redacted(), base.Scheme, base.Host)
		}
		return nil
	}
}

type routeMap struct {
	RouteMap
	re *regexp.Regexp
}

type routeMaps []routeMap

func compileMaps(in []RouteMap) (routeMaps, error) {
	out := make(routeMaps, len(in))
	for i, m := range in {
		switch m.Kind {
		case Tool, Resource, ResourceTemplate, Exclude:
		default:
			return nil, fmt.Errorf("openapi: RouteMaps[%d]: unknown kind %q (want tool, resource, resource_template or exclude)", i, m.Kind)
		}
		out[i].RouteMap = m
		if m.Pattern != "" {
			re, err := regexp.Compile(m.Pattern)
			if err != nil {
				return nil, fmt.Errorf("openapi: RouteMaps[%d].Pattern: %w", i, err)
			}
			out[i].re = re
		}
	}
	return out, nil
}

func (ms routeMaps) kind(method, path string, tags []string) Kind {
	for _, m := range ms {
		if len(m.Methods) > 0 && !slices.ContainsFunc(m.Methods, func(x string) bool { return strings.EqualFold(x, method) }) {
			continue
		}
		if m.re != nil && !m.re.MatchString(path) {
			continue
		}
		if len(m.Tags) > 0 && !slices.ContainsFunc(m.Tags, func(t string) bool { return slices.Contains(tags, t) }) {
			continue
		}
		return m.Kind
	}
	return Tool
}
