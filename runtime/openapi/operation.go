package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/codec"
	"github.com/mcpgen/mcpgen/runtime/schemacheck"
)

// param is one argument of an operation and where it goes in the request.
type param struct {
	arg      string // the argument's name in the tool's input
	name     string // the parameter's name in the request
	in       string // "path", "query", "header" or "cookie"
	required bool
	explode  bool   // arrays and objects as repeated parameters
	style    string // "form", "simple", "deepObject", ...
}

// body says how the request body is built from the arguments.
type body struct {
	mediaType string
	flat      []string // property arguments forming a JSON or form object
	arg       string   // or the one argument holding the whole body
	required  bool
}

type operation struct {
	name, method, path string
	summary            string
	tags               []string
	params             []param
	pathParams         []param
	body               *body
	input              map[string]any
	inputCheck         *schemacheck.Schema
	output             map[string]any
	outputCheck        *schemacheck.Schema

	base    *url.URL
	client  *http.Client
	headers map[string][]string
	limit   int64
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
		name:   componentName(method, path, op.OperationID, names),
		method: method,
		path:   path,
		tags:   slices.Sorted(slices.Values(op.Tags)),
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
		pm := param{arg: arg, name: p.Name, in: p.In, required: p.Required || p.In == "path", explode: explode, style: style}
		if pm.required {
			required = append(required, arg)
		}
		o.params = append(o.params, pm)
		if p.In == "path" {
			o.pathParams = append(o.pathParams, pm)
		}
	}
	for _, pp := range o.pathParams {
		if !strings.Contains(path, "{"+pp.name+"}") {
			return nil, fmt.Errorf("path parameter %q does not appear in the path", pp.name)
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
		o.body = b
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
func (o *operation) requestBody(c *converter, rb *openapi3.RequestBody, props map[string]any, required *[]string) (*body, error) {
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
	b := &body{mediaType: mt, required: rb.Required}
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
				b.flat = append(b.flat, name)
				if rb.Required && slices.Contains(req, any(name)) {
					*required = append(*required, name)
				}
			}
			return b, nil
		}
	}
	b.arg = "body"
	if _, dup := props["body"]; dup {
		b.arg = "request_body"
	}
	if m, ok := s.(map[string]any); ok && rb.Description != "" {
		if _, has := m["description"]; !has {
			m["description"] = rb.Description
		}
	}
	props[b.arg] = s
	if rb.Required {
		*required = append(*required, b.arg)
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
			o.output, o.outputCheck = out, check
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
	switch o.method {
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
	if o.method != http.MethodGet {
		return "it is a " + o.method + ", not a GET"
	}
	for _, p := range o.params {
		if p.required && p.in != "path" {
			return fmt.Sprintf("its %s parameter %q is required", p.in, p.name)
		}
	}
	if o.body != nil && o.body.required {
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
			return o.read(ctx, uri, map[string]any{})
		},
	}
}

func (o *operation) template(scheme string) *runtime.ResourceTemplate {
	var b strings.Builder
	b.WriteString(scheme + "://" + o.name)
	for _, p := range o.pathParams {
		b.WriteString("/{" + p.arg + "}")
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
					args[p.arg] = vars[i]
				}
			}
			return o.read(ctx, uri, args)
		},
	}
}

// callTool validates the arguments, makes the request and turns the answer
// into a tool result.
func (o *operation) callTool(ctx context.Context, raw json.RawMessage) (*runtime.CallToolResult, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = json.RawMessage("{}")
	}
	var errs codec.Errors
	o.inputCheck.Check(raw, "", &errs)
	if err := errs.Err(); err != nil {
		return runtime.ArgumentsError(err), nil
	}
	var args map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&args); err != nil {
		return runtime.ArgumentsError(err), nil
	}
	resp, err := o.do(ctx, args)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return runtime.ArgumentsError(err), nil
		}
		return runtime.ErrorResult(runtime.ToolErrorf("%s %s: %v", o.method, o.path, err)), nil
	}
	if resp.status/100 != 2 {
		return runtime.ErrorResult(runtime.ToolErrorf("%s", resp.failure())), nil
	}
	switch {
	case len(resp.body) == 0:
		return runtime.TextResult(fmt.Sprintf("%d %s", resp.status, http.StatusText(resp.status))), nil
	case resp.json():
		if o.outputCheck != nil {
			var errs codec.Errors
			o.outputCheck.Check(resp.body, "", &errs)
			if err := errs.Err(); err != nil {
				return runtime.ErrorResult(runtime.ToolErrorf("the API's answer does not match its documented schema (%v): %s", err, excerpt(resp.body))), nil
			}
			return runtime.StructuredResult(resp.body), nil
		}
		return runtime.TextResult(string(resp.body)), nil
	case resp.text():
		return runtime.TextResult(string(resp.body)), nil
	}
	return runtime.BlobResult(resp.body, resp.mediaType), nil
}

// read makes the request of a resource and returns its contents.
func (o *operation) read(ctx context.Context, uri string, args map[string]any) (*runtime.ReadResourceResult, error) {
	resp, err := o.do(ctx, args)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return nil, runtime.InvalidParams("%s: %v", uri, err)
		}
		return nil, fmt.Errorf("%s %s: %v", o.method, o.path, err)
	}
	switch {
	case resp.status == http.StatusNotFound || resp.status == http.StatusGone:
		return nil, fmt.Errorf("%s: %w", resp.failure(), runtime.ErrResourceNotFound)
	case resp.status/100 != 2:
		return nil, errors.New(resp.failure())
	case resp.json() || resp.text():
		mt := resp.mediaType
		if mt == "" {
			mt = "text/plain"
		}
		return runtime.TextContents(uri, mt, string(resp.body)), nil
	}
	return runtime.BlobContents(uri, resp.mediaType, resp.body), nil
}

// paramError is an argument that cannot be put into the request.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, args ...any) error { return &paramError{fmt.Sprintf(format, args...)} }

// unsafePaths, set only by this package's tests, puts path parameters into
// the URL as they are: the vulnerable variant the traversal test must
// catch.
var unsafePaths bool

// segment is the percent-encoded path segment of a path parameter's value.
// A value that is "." or "..", or holds a path separator (encoded or not),
// a NUL or another control character, would leave its segment and is
// refused.
func segment(name, v string) (string, error) {
	if unsafePaths {
		return v, nil
	}
	switch {
	case v == "":
		return "", badParam("path parameter %q is empty", name)
	case v == "." || v == "..":
		return "", badParam("path parameter %q may not be %q", name, v)
	case strings.ContainsAny(v, "/\\"):
		return "", badParam("path parameter %q may not contain a path separator", name)
	case !utf8.ValidString(v):
		return "", badParam("path parameter %q is not valid UTF-8", name)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return "", badParam("path parameter %q may not contain control characters", name)
		}
	}
	lower := strings.ToLower(v)
	for _, enc := range []string{"%2f", "%5c", "%2e", "%00"} {
		if strings.Contains(lower, enc) {
			return "", badParam("path parameter %q may not contain the encoded character %s", name, strings.ToUpper(enc))
		}
	}
	return url.PathEscape(v), nil
}

// scalar is the text form of a parameter value that is a string, number
// or boolean.
func scalar(name string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	}
	return "", badParam("parameter %q must be a string, number or boolean here", name)
}

func list(name string, v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		s, err := scalar(name, v)
		return []string{s}, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, err := scalar(name, it)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

type response struct {
	status    int
	mediaType string
	body      []byte
}

func (r *response) json() bool { return isJSON(r.mediaType) }

func (r *response) text() bool {
	return strings.HasPrefix(r.mediaType, "text/") || r.mediaType == "application/xml" || strings.HasSuffix(r.mediaType, "+xml") || r.mediaType == "application/yaml"
}

func (r *response) failure() string {
	msg := fmt.Sprintf("the API answered %d %s", r.status, http.StatusText(r.status))
	if len(r.body) > 0 && (r.json() || r.text() || utf8.Valid(r.body)) {
		msg += ": " + excerpt(r.body)
	}
	return msg
}

// excerpt is the start of a body, for error messages.
func excerpt(b []byte) string {
	const max = 500
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.TrimSpace(s)
}

// do builds the request from the arguments and makes it.
func (o *operation) do(ctx context.Context, args map[string]any) (*response, error) {
	path := o.path
	query := url.Values{}
	header := http.Header{}
	var cookies []string
	for _, p := range o.params {
		v, ok := args[p.arg]
		if !ok || v == nil {
			if p.required {
				return nil, badParam("missing required %s parameter %q", p.in, p.arg)
			}
			continue
		}
		switch p.in {
		case "path":
			vals, err := list(p.arg, v)
			if err != nil {
				return nil, err
			}
			for i, s := range vals {
				if vals[i], err = segment(p.arg, s); err != nil {
					return nil, err
				}
			}
			path = strings.Replace(path, "{"+p.name+"}", strings.Join(vals, ","), 1)
		case "query":
			if obj, ok := v.(map[string]any); ok {
				for _, k := range sortedKeys(obj) {
					s, err := scalar(p.arg+"."+k, obj[k])
					if err != nil {
						return nil, err
					}
					if p.style == "deepObject" {
						query.Add(p.name+"["+k+"]", s)
					} else {
						query.Add(k, s)
					}
				}
				continue
			}
			vals, err := list(p.arg, v)
			if err != nil {
				return nil, err
			}
			if p.explode {
				for _, s := range vals {
					query.Add(p.name, s)
				}
			} else {
				query.Set(p.name, strings.Join(vals, ","))
			}
		case "header", "cookie":
			vals, err := list(p.arg, v)
			if err != nil {
				return nil, err
			}
			s := strings.Join(vals, ",")
			if strings.ContainsAny(s, "\r\n\x00") {
				return nil, badParam("%s parameter %q may not contain line breaks", p.in, p.arg)
			}
			if p.in == "header" {
				header.Set(p.name, s)
			} else {
				cookies = append(cookies, p.name+"="+url.QueryEscape(s))
			}
		}
	}
	var reqBody io.Reader
	if o.body != nil {
		b, err := o.encodeBody(args)
		if err != nil {
			return nil, err
		}
		if b != nil {
			reqBody = bytes.NewReader(b)
			header.Set("Content-Type", o.body.mediaType)
		}
	}
	u := *o.base
	u.RawPath = o.base.EscapedPath() + path
	unescaped, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, badParam("%v", err)
	}
	u.Path = unescaped
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, o.method, u.String(), reqBody)
	if err != nil {
		return nil, err
	}
	for k, vs := range o.headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, */*;q=0.5")
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, o.limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if int64(len(data)) > o.limit {
		return nil, fmt.Errorf("the answer is larger than %d bytes", o.limit)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "" && len(data) > 0 {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(data))
	}
	return &response{status: resp.StatusCode, mediaType: mt, body: data}, nil
}

func (o *operation) encodeBody(args map[string]any) ([]byte, error) {
	b := o.body
	if b.arg != "" {
		v, ok := args[b.arg]
		if !ok {
			if b.required {
				return nil, badParam("missing required argument %q (the request body)", b.arg)
			}
			return nil, nil
		}
		if strings.HasPrefix(b.mediaType, "text/") {
			s, err := scalar(b.arg, v)
			return []byte(s), err
		}
		if b.mediaType == "application/x-www-form-urlencoded" {
			return nil, badParam("argument %q must be an object for a form body", b.arg)
		}
		return json.Marshal(v)
	}
	obj := map[string]any{}
	for _, name := range b.flat {
		if v, ok := args[name]; ok {
			obj[name] = v
		}
	}
	if len(obj) == 0 && !b.required {
		return nil, nil
	}
	if b.mediaType == "application/x-www-form-urlencoded" {
		form := url.Values{}
		for _, k := range sortedKeys(obj) {
			vals, err := list(k, obj[k])
			if err != nil {
				return nil, err
			}
			form[k] = vals
		}
		return []byte(form.Encode()), nil
	}
	return json.Marshal(obj)
}
