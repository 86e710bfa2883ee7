package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/schemacheck"
)

// Operation is an API operation as a call makes it: the request's method
// and path, and where each argument goes. Generated packages (mcpgen
// openapi) declare theirs and call them through a Client, as the provider
// does.
type Operation struct {
	Method string // "GET", "POST", ...
	Path   string // the path template, "/pets/{petId}"
	Params []Param
	Body   *Body // nil when the operation takes no body
	// Output, when set, checks a 2xx JSON answer: one that does not match
	// is a tool error.
	Output *schemacheck.Schema
}

// Param is one parameter of an operation and the argument it comes from.
type Param struct {
	Arg      string // the argument's name in the tool's input
	Name     string // the parameter's name in the request
	In       string // "path", "query", "header" or "cookie"
	Style    string // "form", "simple", "deepObject", ...
	Required bool
	Explode  bool // arrays and objects as repeated parameters
}

// Body says how the request body is built from the arguments.
type Body struct {
	MediaType string
	Flat      []string // the arguments that are the properties of a JSON or form object
	Arg       string   // or the one argument holding the whole body
	Required  bool
}

// operation is an Operation as the provider builds it from the document.
type operation struct {
	Operation
	name       string
	summary    string
	tags       []string
	pathParams []Param
	input      map[string]any
	inputCheck *schemacheck.Schema
	output     map[string]any
	client     *Client
}

var nameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// componentName is the operation's name: the one Options.Names gives, its
// operationId, or method and path ("get_pets_petId").
func componentName(method, path, id string, names map[string]string) string {
	if n, ok := names[id]; ok && id != "" {
		return n
	}
	if id == "" {
		id = strings.ToLower(method) + "_" + strings.Trim(path, "/")
	}
	n := strings.Trim(nameChars.ReplaceAllString(strings.NewReplacer("{", "", "}", "", "/", "_").Replace(id), "_"), "_")
	if len(n) > 128 {
		n = n[:128]
	}
	return n
}

func newOperation(doc *openapi3.T, method, path string, item *openapi3.PathItem, op *openapi3.Operation, names map[string]string) (*operation, error) {
	o := &operation{
		Operation: Operation{Method: method, Path: path},
		name:      componentName(method, path, op.OperationID, names),
		tags:      slices.Sorted(slices.Values(op.Tags)),
	}
	o.summary = strings.TrimSpace(op.Summary)
	if d := strings.TrimSpace(op.Description); d != "" {
		if o.summary != "" {
			o.summary += "\n\n"
		}
		o.summary += d
	}
	if o.name == "" {
		return nil, errors.New("no usable name")
	}
	c := newConverter(doc)
	props := map[string]any{}
	var required []string

	// Path-level parameters, overridden by the operation's own.
	var all []*openapi3.Parameter
	seen := map[string]bool{}
	for _, list := range []openapi3.Parameters{op.Parameters, item.Parameters} {
		for _, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			key := pr.Value.In + ":" + pr.Value.Name
			if !seen[key] {
				seen[key] = true
				all = append(all, pr.Value)
			}
		}
	}
	count := map[string]int{}
	for _, p := range all {
		count[p.Name]++
	}
	for _, p := range all {
		if p.In == "header" && (strings.EqualFold(p.Name, "Authorization") || strings.EqualFold(p.Name, "Accept") || strings.EqualFold(p.Name, "Content-Type")) {
			continue // OpenAPI: these header parameters are ignored
		}
		arg := p.Name
		if count[p.Name] > 1 {
			arg = p.Name + "__" + p.In
		}
		if p.Schema == nil {
			return nil, fmt.Errorf("parameter %q has no schema (content-typed parameters are not supported)", p.Name)
		}
		s, err := c.schema(p.Schema)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.Name, err)
		}
		if p.Description != "" {
			if m, ok := s.(map[string]any); ok {
				if _, has := m["description"]; !has {
					m["description"] = p.Description
				}
			}
		}
		props[arg] = s
		style := p.Style
		if style == "" {
			style = map[string]string{"path": "simple", "query": "form", "header": "simple", "cookie": "form"}[p.In]
		}
		explode := style == "form"
		if p.Explode != nil {
			explode = *p.Explode
		}
		pm := Param{Arg: arg, Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Explode: explode, Style: style}
		if pm.Required {
			required = append(required, arg)
		}
		o.Params = append(o.Params, pm)
		if p.In == "path" {
			o.pathParams = append(o.pathParams, pm)
		}
	}
	for _, pp := range o.pathParams {
		if !strings.Contains(path, "{"+pp.Name+"}") {
			return nil, fmt.Errorf("path parameter %q does not appear in the path", pp.Name)
		}
	}
	if strings.Count(path, "{") != len(o.pathParams) {
		return nil, errors.New("the path has a {parameter} the operation does not define")
	}

	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		b, err := o.requestBody(c, rb.Value, props, &required)
		if err != nil {
			return nil, err
		}
		o.Body = b
	}
	root := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		slices.Sort(required)
		root["required"] = required
	}
	o.input = c.document(root)
	js, err := json.Marshal(o.input)
	if err != nil {
		return nil, err
	}
	if o.inputCheck, err = schemacheck.Compile(string(js)); err != nil {
		return nil, fmt.Errorf("its input schema: %w", err)
	}
	if err := o.responseSchema(doc, op); err != nil {
		return nil, err
	}
	return o, nil
}

// requestBody adds the arguments of the body: the properties of a JSON or
// form object at the top level when none collides with a parameter, or
// one "body" argument.
func (o *operation) requestBody(c *converter, rb *openapi3.RequestBody, props map[string]any, required *[]string) (*Body, error) {
	var mt string
	for _, cand := range []string{"application/json", "application/x-www-form-urlencoded"} {
		if rb.Content.Get(cand) != nil {
			mt = cand
			break
		}
	}
	if mt == "" {
		for t := range rb.Content {
			if isJSON(t) || strings.HasPrefix(t, "text/") {
				mt = t
				break
			}
		}
	}
	if mt == "" {
		return nil, fmt.Errorf("request body types %v are not supported (JSON, form or text only)", sortedKeys(rb.Content))
	}
	s, err := c.schema(rb.Content.Get(mt).Schema)
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	b := &Body{MediaType: mt, Required: rb.Required}
	obj := resolved(c, s)
	if objProps, ok := obj["properties"].(map[string]any); ok && obj["type"] == "object" && len(objProps) > 0 && !strings.HasPrefix(mt, "text/") {
		collides := false
		for name := range objProps {
			if _, dup := props[name]; dup {
				collides = true
			}
		}
		if !collides {
			req, _ := obj["required"].([]any)
			for _, name := range sortedKeys(objProps) {
				props[name] = objProps[name]
				b.Flat = append(b.Flat, name)
				if rb.Required && slices.Contains(req, any(name)) {
					*required = append(*required, name)
				}
			}
			return b, nil
		}
	}
	b.Arg = "body"
	if _, dup := props["body"]; dup {
		b.Arg = "request_body"
	}
	if m, ok := s.(map[string]any); ok && rb.Description != "" {
		if _, has := m["description"]; !has {
			m["description"] = rb.Description
		}
	}
	props[b.Arg] = s
	if rb.Required {
		*required = append(*required, b.Arg)
	}
	return b, nil
}

// resolved returns the object schema s is or refers to.
func resolved(c *converter, s any) map[string]any {
	m, _ := s.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		d, _ := c.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		return d
	}
	return m
}

// responseSchema sets the output schema from the first 2xx JSON response
// whose schema describes an object.
func (o *operation) responseSchema(doc *openapi3.T, op *openapi3.Operation) error {
	if op.Responses == nil {
		return nil
	}
	for _, code := range sortedKeys(op.Responses.Map()) {
		if len(code) != 3 || code[0] != '2' {
			continue
		}
		r := op.Responses.Map()[code]
		if r == nil || r.Value == nil {
			continue
		}
		for _, t := range sortedKeys(r.Value.Content) {
			if !isJSON(t) || r.Value.Content[t].Schema == nil {
				continue
			}
			c := newConverter(doc)
			s, err := c.schema(r.Value.Content[t].Schema)
			if err != nil {
				return fmt.Errorf("response %s: %w", code, err)
			}
			if !c.isObject(s) {
				return nil // not an object: the answer is text content only
			}
			out := c.document(map[string]any{"allOf": []any{s}, "type": "object"})
			js, err := json.Marshal(out)
			if err != nil {
				return err
			}
			check, err := schemacheck.Compile(string(js))
			if err != nil {
				return fmt.Errorf("response %s schema: %w", code, err)
			}
			o.output, o.Output = out, check
			return nil
		}
	}
	return nil
}

func isJSON(mediaType string) bool {
	t, _, _ := mime.ParseMediaType(mediaType)
	return t == "application/json" || strings.HasSuffix(t, "+json")
}

func (o *operation) tool() *runtime.Tool {
	in, _ := json.Marshal(o.input)
	t := &runtime.Tool{
		Name:        o.name,
		Description: o.summary,
		Tags:        o.tags,
		InputSchema: in,
		Handler:     o.callTool,
	}
	if o.output != nil {
		t.OutputSchema, _ = json.Marshal(o.output)
	}
	switch o.Method {
	case http.MethodGet, http.MethodHead:
		t.Annotations = &runtime.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: runtime.Bool(true)}
	case http.MethodDelete:
		t.Annotations = &runtime.ToolAnnotations{DestructiveHint: runtime.Bool(true), IdempotentHint: true, OpenWorldHint: runtime.Bool(true)}
	case http.MethodPut:
		t.Annotations = &runtime.ToolAnnotations{IdempotentHint: true, OpenWorldHint: runtime.Bool(true)}
	default:
		t.Annotations = &runtime.ToolAnnotations{OpenWorldHint: runtime.Bool(true)}
	}
	return t
}

// notResource says why the operation cannot be read as a resource: it is
// not a GET, or it needs arguments a URI does not carry.
func (o *operation) notResource() string {
	if o.Method != http.MethodGet {
		return "it is a " + o.Method + ", not a GET"
	}
	for _, p := range o.Params {
		if p.Required && p.In != "path" {
			return fmt.Sprintf("its %s parameter %q is required", p.In, p.Name)
		}
	}
	if o.Body != nil && o.Body.Required {
		return "it requires a request body"
	}
	return ""
}

func (o *operation) resource(scheme string) *runtime.Resource {
	uri := scheme + "://" + o.name
	return &runtime.Resource{
		URI:         uri,
		Name:        o.name,
		Description: o.summary,
		Tags:        o.tags,
		Handler: func(ctx context.Context, uri string) (*runtime.ReadResourceResult, error) {
			return o.client.Read(ctx, &o.Operation, uri, map[string]any{})
		},
	}
}

func (o *operation) template(scheme string) *runtime.ResourceTemplate {
	var b strings.Builder
	b.WriteString(scheme + "://" + o.name)
	for _, p := range o.pathParams {
		b.WriteString("/{" + p.Arg + "}")
	}
	return &runtime.ResourceTemplate{
		URITemplate: b.String(),
		Name:        o.name,
		Description: o.summary,
		Tags:        o.tags,
		Handler: func(ctx context.Context, uri string, vars []string) (*runtime.ReadResourceResult, error) {
			args := map[string]any{}
			for i, p := range o.pathParams {
				if i < len(vars) {
					args[p.Arg] = vars[i]
				}
			}
			return o.client.Read(ctx, &o.Operation, uri, args)
		},
	}
}
