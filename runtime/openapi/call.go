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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/codec"
)

// Client makes the requests of operations against one API: its base URL,
// HTTP client, headers and answer size limit come from Options.
type Client struct {
	base    *url.URL
	http    *http.Client
	headers http.Header
	limit   int64
}

// NewClient returns a client for the API at opts.BaseURL (required),
// configured as a provider's is by the same Options.
func NewClient(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("openapi: NewClient needs Options.BaseURL")
	}
	base, err := parseBase(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	return newClient(base, opts), nil
}

func newClient(base *url.URL, opts Options) *Client {
	hc := opts.Client
	if hc == nil {
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		hc = &http.Client{Timeout: timeout, CheckRedirect: sameOrigin(base)}
	}
	limit := opts.MaxResponseBytes
	if limit <= 0 {
		limit = 10 << 20
	}
	return &Client{base: base, http: hc, headers: opts.Headers.Clone(), limit: limit}
}

// callTool validates the arguments against the input schema, then makes
// the call.
func (o *operation) callTool(ctx context.Context, raw json.RawMessage) (*runtime.CallToolResult, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = json.RawMessage("{}")
	}
	var errs codec.Errors
	o.inputCheck.Check(raw, "", &errs)
	if err := errs.Err(); err != nil {
		return runtime.ArgumentsError(err), nil
	}
	return o.client.call(ctx, &o.Operation, raw), nil
}

// CallTool makes the request of op with args (a map or a struct that
// encodes to a JSON object) and returns its answer as a tool result: a
// non-2xx answer, an argument that cannot go into the request or an
// answer that does not match op.Output is a tool error.
func (c *Client) CallTool(ctx context.Context, op *Operation, args any) *runtime.CallToolResult {
	raw, err := json.Marshal(args)
	if err != nil {
		return runtime.ArgumentsError(err)
	}
	return c.call(ctx, op, raw)
}

func (c *Client) call(ctx context.Context, op *Operation, raw json.RawMessage) *runtime.CallToolResult {
	args, err := decodeArgs(raw)
	if err != nil {
		return runtime.ArgumentsError(err)
	}
	resp, err := c.do(ctx, op, args)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return runtime.ArgumentsError(err)
		}
		return runtime.ErrorResult(runtime.ToolErrorf("%s %s: %v", op.Method, op.Path, err))
	}
	if resp.status/100 != 2 {
		return runtime.ErrorResult(runtime.ToolErrorf("%s", resp.failure()))
	}
	switch {
	case len(resp.body) == 0:
		return runtime.TextResult(fmt.Sprintf("%d %s", resp.status, http.StatusText(resp.status)))
	case resp.json():
		if op.Output != nil {
			var errs codec.Errors
			op.Output.Check(resp.body, "", &errs)
			if err := errs.Err(); err != nil {
				return runtime.ErrorResult(runtime.ToolErrorf("the API's answer does not match its documented schema (%v): %s", err, excerpt(resp.body)))
			}
			return runtime.StructuredResult(resp.body)
		}
		return runtime.TextResult(string(resp.body))
	case resp.text():
		return runtime.TextResult(string(resp.body))
	}
	return runtime.BlobResult(resp.body, resp.mediaType)
}

// decodeArgs decodes a JSON object of arguments, numbers kept as written.
func decodeArgs(raw json.RawMessage) (map[string]any, error) {
	var args map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&args); err != nil {
		return nil, err
	}
	if args == nil {
		args = map[string]any{}
	}
	return args, nil
}

// Read makes the request of op, a GET, with args and returns its answer as
// the contents of the resource uri: a 404 or 410 is the resource-not-found
// error, any other non-2xx answer an error.
func (c *Client) Read(ctx context.Context, op *Operation, uri string, args map[string]any) (*runtime.ReadResourceResult, error) {
	resp, err := c.do(ctx, op, args)
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return nil, runtime.InvalidParams("%s: %v", uri, err)
		}
		return nil, fmt.Errorf("%s %s: %v", op.Method, op.Path, err)
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

// do builds the request of op from the arguments and makes it.
func (c *Client) do(ctx context.Context, op *Operation, args map[string]any) (*response, error) {
	path := op.Path
	query := url.Values{}
	header := http.Header{}
	var cookies []string
	for _, p := range op.Params {
		v, ok := args[p.Arg]
		if !ok || v == nil {
			if p.Required {
				return nil, badParam("missing required %s parameter %q", p.In, p.Arg)
			}
			continue
		}
		switch p.In {
		case "path":
			vals, err := list(p.Arg, v)
			if err != nil {
				return nil, err
			}
			for i, s := range vals {
				if vals[i], err = segment(p.Arg, s); err != nil {
					return nil, err
				}
			}
			path = strings.Replace(path, "{"+p.Name+"}", strings.Join(vals, ","), 1)
		case "query":
			if obj, ok := v.(map[string]any); ok {
				for _, k := range sortedKeys(obj) {
					s, err := scalar(p.Arg+"."+k, obj[k])
					if err != nil {
						return nil, err
					}
					if p.Style == "deepObject" {
						query.Add(p.Name+"["+k+"]", s)
					} else {
						query.Add(k, s)
					}
				}
				continue
			}
			vals, err := list(p.Arg, v)
			if err != nil {
				return nil, err
			}
			if p.Explode {
				for _, s := range vals {
					query.Add(p.Name, s)
				}
			} else {
				query.Set(p.Name, strings.Join(vals, ","))
			}
		case "header", "cookie":
			vals, err := list(p.Arg, v)
			if err != nil {
				return nil, err
			}
			s := strings.Join(vals, ",")
			if strings.ContainsAny(s, "\r\n\x00") {
				return nil, badParam("%s parameter %q may not contain line breaks", p.In, p.Arg)
			}
			if p.In == "header" {
				header.Set(p.Name, s)
			} else {
				cookies = append(cookies, p.Name+"="+url.QueryEscape(s))
			}
		}
	}
	var reqBody io.Reader
	if op.Body != nil {
		b, err := op.Body.encode(args)
		if err != nil {
			return nil, err
		}
		if b != nil {
			reqBody = bytes.NewReader(b)
			header.Set("Content-Type", op.Body.MediaType)
		}
	}
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	unescaped, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, badParam("%v", err)
	}
	u.Path = unescaped
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, op.Method, u.String(), reqBody)
	if err != nil {
		return nil, err
	}
	for k, vs := range c.headers {
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
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if int64(len(data)) > c.limit {
		return nil, fmt.Errorf("the answer is larger than %d bytes", c.limit)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "" && len(data) > 0 {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(data))
	}
	return &response{status: resp.StatusCode, mediaType: mt, body: data}, nil
}

// encode builds the request body from the arguments; nil when there is
// none to send.
func (b *Body) encode(args map[string]any) ([]byte, error) {
	if b.Arg != "" {
		v, ok := args[b.Arg]
		if !ok {
			if b.Required {
				return nil, badParam("missing required argument %q (the request body)", b.Arg)
			}
			return nil, nil
		}
		if strings.HasPrefix(b.MediaType, "text/") {
			s, err := scalar(b.Arg, v)
			return []byte(s), err
		}
		if b.MediaType == "application/x-www-form-urlencoded" {
			return nil, badParam("argument %q must be an object for a form body", b.Arg)
		}
		return json.Marshal(v)
	}
	obj := map[string]any{}
	for _, name := range b.Flat {
		if v, ok := args[name]; ok {
			obj[name] = v
		}
	}
	if len(obj) == 0 && !b.Required {
		return nil, nil
	}
	if b.MediaType == "application/x-www-form-urlencoded" {
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
