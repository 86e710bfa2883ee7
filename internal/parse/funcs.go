package parse

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"github.com/mcpgen/mcpgen/annotations"
	"github.com/mcpgen/mcpgen/internal/model"
	"github.com/yosida95/uritemplate/v3"
)

// funcDecl parses the directive, if any, on one function declaration.
func (p *loader) funcDecl(m *model.Package, fd *ast.FuncDecl) {
	if fd.Doc == nil {
		return
	}
	var dir *annotations.Directive
	var dirPos token.Pos
	for _, c := range fd.Doc.List {
		if !strings.HasPrefix(c.Text, annotations.Prefix) {
			continue
		}
		d, err := annotations.ParseDirective(c.Text)
		if err != nil {
			p.errorf(p.position(c.Slash+token.Pos(err.(*annotations.Error).Col)), "%s", err)
			continue
		}
		if dir != nil {
			p.errorf(p.position(c.Slash), "%s has more than one mcp directive (already //mcp:%s)", fd.Name.Name, dir.Kind)
			continue
		}
		dir, dirPos = d, c.Slash
	}
	if dir == nil {
		return
	}
	at := func(col int) model.Pos { return p.position(dirPos + token.Pos(col)) }
	opts, errs := dir.Options()
	for _, e := range errs {
		p.errorf(at(e.Col), "%s", e.Msg)
	}
	if fd.Recv != nil {
		p.errorf(at(0), "//mcp:%s on method %s: components must be package-level functions", dir.Kind, fd.Name.Name)
		return
	}
	if fd.Type.TypeParams != nil {
		p.errorf(at(0), "//mcp:%s on generic function %s is not supported", dir.Kind, fd.Name.Name)
		return
	}
	obj, _ := p.pkg.TypesInfo.Defs[fd.Name].(*types.Func)
	if obj == nil {
		return
	}
	sig := obj.Type().(*types.Signature)
	desc := description(fd.Doc)
	name := opts.Name
	if name == "" {
		name = annotations.SnakeCase(fd.Name.Name)
	}
	kind := dir.Kind
	if kind == "complete" {
		p.completion(m, fd, sig, opts, at)
		return
	}
	if kind != "resource" && !annotations.ValidName(name) {
		col := opts.NameCol
		p.errorf(at(col), "invalid %s name %q: use 1 to 128 characters from A-Z a-z 0-9 _ - .", kind, name)
	}
	if desc == "" {
		p.errorf(p.position(fd.Name.Pos()), "%s %q has no description: add a doc comment to %s", kind, name, fd.Name.Name)
	}
	fn := &model.Func{Name: fd.Name.Name, Pos: p.position(fd.Name.Pos())}
	p.subject = kind + " " + strconv.Quote(name)
	if kind == "resource" {
		p.subject = kind + " " + strconv.Quote(opts.URI)
	}
	defer func() { p.subject = "" }()
	before := len(p.errs)
	auth := p.authChecks(opts.Auth, at)
	switch kind {
	case "tool":
		t := &model.Tool{Name: name, Version: opts.Version, Title: opts.Title, Description: desc, Tags: opts.Tags,
			Timeout: opts.Timeout, MaxResultBytes: opts.MaxResultBytes, MIME: opts.MIME, Task: opts.Task, Auth: auth, Func: fn, Pos: at(0),
			Hints: model.Hints{ReadOnly: opts.Hints.ReadOnly, Destructive: opts.Hints.Destructive, Idempotent: opts.Hints.Idempotent, OpenWorld: opts.Hints.OpenWorld}}
		if p.signature(fd, sig, fn, "tool", name, 1) {
			t.Input = p.inputStruct(fn, "tool", name, false)
			p.toolResult(fn, t)
			if opts.MIME != "" && (fn.Result == nil || fn.Result.Kind != model.ResultBytes) {
				p.errorf(at(opts.MIMECol), "tool %q: mime applies only to a []byte result; %s", name, mimeAdvice(fn))
			}
		}
		m.Tools = append(m.Tools, t)
	case "resource":
		r := &model.Resource{Name: name, Version: opts.Version, Title: opts.Title, Description: desc, Tags: opts.Tags,
			URI: opts.URI, MIME: opts.MIME, Auth: auth, Func: fn, Pos: at(0)}
		if opts.URI != "" && p.signature(fd, sig, fn, "resource", opts.URI, -1) {
			p.resourceTemplate(r, at(opts.URICol))
			p.resourceResult(fn, r)
		}
		m.Resources = append(m.Resources, r)
		if len(p.errs) > before {
			p.failed[r] = true
		}
	case "prompt":
		pr := &model.Prompt{Name: name, Version: opts.Version, Title: opts.Title, Description: desc, Tags: opts.Tags, Auth: auth, Func: fn, Pos: at(0)}
		if p.signature(fd, sig, fn, "prompt", name, 1) {
			pr.Input = p.inputStruct(fn, "prompt", name, true)
			p.promptArgs(pr)
			p.promptResult(fn, pr)
		}
		m.Prompts = append(m.Prompts, pr)
		if len(p.errs) > before {
			p.failed[pr] = true
		}
	}
}

// authSignature is the signature auth=FuncName must have (runtime.AuthCheck).
const authSignature = "func(ctx context.Context, p *runtime.Principal, c runtime.ComponentInfo) error"

// authChecks checks the auth= options of a directive: each function named
// must be declared in the package with the signature of runtime.AuthCheck.
func (p *loader) authChecks(opts []annotations.Auth, at func(int) model.Pos) []model.Auth {
	var out []model.Auth
	for _, a := range opts {
		pos := at(a.Col)
		if a.Func == "" {
			out = append(out, model.Auth{Scopes: a.Scopes, Pos: pos})
			continue
		}
		obj := p.pkg.Types.Scope().Lookup(a.Func)
		fn, ok := obj.(*types.Func)
		if !ok {
			msg := fmt.Sprintf("auth=%s: no function %s in package %s; want a function %s", a.Func, a.Func, p.pkg.Name, authSignature)
			if obj != nil {
				msg = fmt.Sprintf("auth=%s: %s is a %s, not a function; want a function %s", a.Func, a.Func, objectKind(obj), authSignature)
			} else {
				if s := nearestFunc(p.pkg.Types.Scope(), a.Func); s != "" {
					msg += fmt.Sprintf("; did you mean %s?", s)
				}
			}
			p.errorf(pos, "%s", msg)
			continue
		}
		if !isAuthCheck(fn.Type().(*types.Signature)) {
			p.errorf(pos, "auth=%s: %s has signature %s; want %s", a.Func, a.Func, types.TypeString(fn.Type(), p.byName), authSignature)
			continue
		}
		out = append(out, model.Auth{Func: a.Func, Pos: pos})
	}
	return out
}

// byName qualifies types by package name, as code in the package would
// write them.
func (p *loader) byName(pkg *types.Package) string {
	if pkg == p.pkg.Types {
		return ""
	}
	return pkg.Name()
}

// isAuthCheck reports whether sig is runtime.AuthCheck's.
func isAuthCheck(sig *types.Signature) bool {
	params, res := sig.Params(), sig.Results()
	if sig.TypeParams() != nil || sig.Variadic() || params.Len() != 3 || res.Len() != 1 || !isError(res.At(0).Type()) || !isContext(params.At(0).Type()) {
		return false
	}
	ptr, ok := types.Unalias(params.At(1).Type()).(*types.Pointer)
	return ok && isRuntimeType(ptr.Elem(), "Principal") && isRuntimeType(params.At(2).Type(), "ComponentInfo")
}

func isRuntimeType(t types.Type, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == RuntimePath && n.Obj().Name() == name
}

func objectKind(obj types.Object) string {
	switch obj.(type) {
	case *types.Var:
		return "variable"
	case *types.Const:
		return "constant"
	case *types.TypeName:
		return "type"
	}
	return "name"
}

// nearestFunc returns the function of scope whose name is closest to
// name, if close enough to be a typo.
func nearestFunc(scope *types.Scope, name string) string {
	var funcs []string
	for _, n := range scope.Names() {
		if _, ok := scope.Lookup(n).(*types.Func); ok {
			funcs = append(funcs, n)
		}
	}
	return annotations.Suggest(name, funcs)
}

// completion checks an //mcp:complete function:
// func(ctx context.Context, value string[, args map[string]string]) ([]string, error).
func (p *loader) completion(m *model.Package, fd *ast.FuncDecl, sig *types.Signature, opts *annotations.Options, at func(int) model.Pos) {
	c := &model.Completion{Prompt: opts.Prompt, Resource: opts.Resource, Arg: opts.Arg,
		Func: &model.Func{Name: fd.Name.Name, Pos: p.position(fd.Name.Pos()), Context: true, Error: true}, Pos: at(0),
		TargetPos: at(max(opts.PromptCol, opts.ResourceCol)), ArgPos: at(opts.ArgCol)}
	const want = "func(ctx context.Context, value string) ([]string, error), optionally with args map[string]string after value"
	params, res := sig.Params(), sig.Results()
	ok := params.Len() >= 2 && params.Len() <= 3 && isContext(params.At(0).Type()) && isPlainString(params.At(1).Type())
	if ok && params.Len() == 3 {
		c.WithArgs = isStringMap(params.At(2).Type())
		ok = c.WithArgs
	}
	ok = ok && !sig.Variadic() && res.Len() == 2 && isStringSlice(res.At(0).Type()) && isError(res.At(1).Type())
	if !ok {
		p.errorf(c.Func.Pos, "completion %s has signature %s; want %s", fd.Name.Name, strings.TrimPrefix(sig.String(), "func"), want)
		return
	}
	m.Completions = append(m.Completions, c)
}

func isPlainString(t types.Type) bool {
	b, ok := types.Unalias(t).(*types.Basic)
	return ok && b.Kind() == types.String
}

func isStringSlice(t types.Type) bool {
	s, ok := types.Unalias(t).(*types.Slice)
	return ok && isPlainString(s.Elem())
}

func isStringMap(t types.Type) bool {
	m, ok := types.Unalias(t).(*types.Map)
	return ok && isPlainString(m.Key()) && isPlainString(m.Elem())
}

// checkCompletions checks that each completion names a prompt argument or
// template variable of the package, once.
func (p *loader) checkCompletions(m *model.Package) {
	seen := map[string]model.Pos{}
	for _, c := range m.Completions {
		if c.Arg == "" || (c.Prompt == "") == (c.Resource == "") {
			continue // already reported by the directive's options
		}
		key := c.Prompt + "\x00" + c.Resource + "\x00" + c.Arg
		if prev, ok := seen[key]; ok {
			p.errorf(c.Pos, "completion of %q is already declared at %s", c.Arg, prev)
			continue
		}
		seen[key] = c.Pos
		kind, target, member := "prompt", c.Prompt, "argument"
		var names []string
		found, failed := false, false
		if c.Prompt != "" {
			for _, pr := range m.Prompts {
				if pr.Name == c.Prompt {
					found, names, failed = true, nil, p.failed[pr]
					for _, a := range pr.Args {
						names = append(names, a.Name)
					}
				}
			}
		} else {
			kind, target, member = "resource template", c.Resource, "variable"
			for _, r := range m.Resources {
				if r.Template && r.URI == c.Resource {
					found, names, failed = true, nil, p.failed[r]
					for _, v := range r.Vars {
						names = append(names, v.Name)
					}
				}
			}
		}
		if !found {
			p.errorf(c.TargetPos, "//mcp:complete: no %s %q in package %s", kind, target, m.Name)
			continue
		}
		if !slices.Contains(names, c.Arg) && !failed {
			p.errorf(c.ArgPos, "//mcp:complete: %s %q has no %s %q (it has: %s)", kind, target, member, c.Arg, strings.Join(names, ", "))
		}
	}
}

// description returns the doc comment without directive lines.
func description(doc *ast.CommentGroup) string {
	return strings.TrimSpace(doc.Text())
}

// signature checks the common shape: an optional leading context.Context,
// then at most maxParams parameters (-1: any number), then (Out, error),
// (error) or (Out). It fills fn's parameters and result type.
func (p *loader) signature(fd *ast.FuncDecl, sig *types.Signature, fn *model.Func, kind, name string, maxParams int) bool {
	ok := true
	params := sig.Params()
	start := 0
	if params.Len() > 0 && isContext(params.At(0).Type()) {
		fn.Context = true
		start = 1
	}
	if !fn.Context {
		p.errorf(fn.Pos, "%s %q: the first parameter of %s must be a context.Context", kind, name, fn.Name)
		ok = false
	}
	if sig.Variadic() {
		p.errorf(fn.Pos, "%s %q: variadic parameters are not supported", kind, name)
		return false
	}
	if maxParams >= 0 && params.Len()-start > maxParams {
		extra := params.At(start + maxParams)
		what := extra.Name()
		if what == "" || what == "_" {
			what = "of type " + types.TypeString(extra.Type(), p.qualifier)
		}
		p.errorf(p.position(extra.Pos()), "%s %q: unexpected parameter %s; a %s takes one argument struct after the context", kind, name, what, kind)
		ok = false
	}
	for i := start; i < params.Len(); i++ {
		v := params.At(i)
		fn.Params = append(fn.Params, &model.Param{Name: v.Name(), Pos: p.position(v.Pos())})
	}
	res := sig.Results()
	switch {
	case res.Len() == 1 && isError(res.At(0).Type()):
		fn.Error = true
	case res.Len() == 2 && isError(res.At(1).Type()):
		fn.Error = true
		fn.Result = &model.Result{}
	case res.Len() == 1:
		fn.Result = &model.Result{}
	default:
		p.errorf(fn.Pos, "%s %q: %s must return (Out, error), error or Out", kind, name, fn.Name)
		ok = false
	}
	return ok
}

func isContext(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// sigParam returns the types.Var of fn's i-th parameter after the context.
func (p *loader) sigParam(fn *model.Func, i int) *types.Var {
	obj := p.pkg.Types.Scope().Lookup(fn.Name).(*types.Func)
	params := obj.Type().(*types.Signature).Params()
	if fn.Context {
		i++
	}
	return params.At(i)
}

func (p *loader) sigResult(fn *model.Func) types.Type {
	obj := p.pkg.Types.Scope().Lookup(fn.Name).(*types.Func)
	return obj.Type().(*types.Signature).Results().At(0).Type()
}

// inputStruct converts the argument struct of a tool or prompt.
func (p *loader) inputStruct(fn *model.Func, kind, name string, stringsOnly bool) *model.Type {
	if len(fn.Params) == 0 {
		return nil
	}
	v := p.sigParam(fn, 0)
	t := v.Type()
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	if _, ok := t.Underlying().(*types.Struct); !ok {
		p.errorf(fn.Params[0].Pos, "%s %q: unsupported parameter type %s: the argument must be a struct", kind, name, types.TypeString(v.Type(), p.qualifier))
		return nil
	}
	mt := p.convert(v.Type(), fn.Params[0].Pos)
	fn.Params[0].Type = mt
	if mt != nil && mt.Kind == model.Pointer {
		mt = mt.Elem
	}
	return mt
}

func (p *loader) qualifier(pkg *types.Package) string {
	if pkg == p.pkg.Types {
		return ""
	}
	return pkg.Name()
}

// runtimeType reports whether t is the runtime (or go-sdk mcp) type name,
// possibly behind pointers and slices written in want (e.g. "[]*Content").
func runtimeType(t types.Type, name string) bool {
	n, ok := t.(*types.Named)
	if !ok {
		if a, ok := t.(*types.Alias); ok {
			return runtimeType(types.Unalias(a), name)
		}
		return false
	}
	pkg := n.Obj().Pkg()
	return pkg != nil && (pkg.Path() == RuntimePath || pkg.Path() == "github.com/modelcontextprotocol/go-sdk/mcp") && n.Obj().Name() == name
}

func elemOf(t types.Type, ptr bool) (types.Type, bool) {
	if ptr {
		if p, ok := t.(*types.Pointer); ok {
			return p.Elem(), true
		}
		return nil, false
	}
	if s, ok := t.(*types.Slice); ok {
		return s.Elem(), true
	}
	return nil, false
}

func isBytes(t types.Type) bool {
	s, ok := t.Underlying().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().Underlying().(*types.Basic)
	return ok && b.Kind() == types.Byte
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func (p *loader) toolResult(fn *model.Func, t *model.Tool) {
	if fn.Result == nil {
		return
	}
	rt := p.sigResult(fn)
	r := fn.Result
	r.GoType = types.TypeString(rt, p.qualifier)
	if ptr, ok := elemOf(rt, true); ok && runtimeType(ptr, "CallToolResult") {
		r.Kind = model.ResultFull
		return
	}
	if runtimeType(rt, "Content") {
		r.Kind = model.ResultContent
		return
	}
	if e, ok := elemOf(rt, false); ok && runtimeType(e, "Content") {
		r.Kind = model.ResultContent
		return
	}
	if isBytes(rt) && types.Identical(rt.Underlying(), types.NewSlice(types.Typ[types.Byte])) {
		r.Kind = model.ResultBytes
		if t.MIME == "" {
			t.MIME = "application/octet-stream"
		}
		return
	}
	if b, ok := rt.(*types.Basic); ok && b.Kind() == types.String {
		r.Kind = model.ResultString
		return
	}
	r.Kind = model.ResultStructured
	r.Type = p.convertAs("result", rt, fn.Pos)
}

// mimeAdvice says where the MIME type of a tool's output comes from
// instead, for the error on a mime key that cannot apply.
func mimeAdvice(fn *model.Func) string {
	switch {
	case fn.Result == nil:
		return fn.Name + " returns only an error"
	case fn.Result.Kind == model.ResultContent || fn.Result.Kind == model.ResultFull:
		return "the content items " + fn.Name + " returns carry their own MIME types"
	case fn.Result.Kind == model.ResultString:
		return fn.Name + " returns a string, which is sent as text"
	}
	return fn.Name + " returns " + fn.Result.GoType + ", which is sent as JSON"
}

func (p *loader) resourceResult(fn *model.Func, res *model.Resource) {
	if fn.Result == nil {
		p.errorf(fn.Pos, "resource %q: %s must return (Out, error) with the resource's contents", res.URI, fn.Name)
		return
	}
	rt := p.sigResult(fn)
	r := fn.Result
	r.GoType = types.TypeString(rt, p.qualifier)
	switch {
	case isFullResult(rt, "ReadResourceResult"):
		r.Kind = model.ResultFull
	case isSliceOfPtr(rt, "ResourceContents"):
		r.Kind = model.ResultContent
	case isBytes(rt) && types.Identical(rt.Underlying(), types.NewSlice(types.Typ[types.Byte])):
		r.Kind = model.ResultBytes
		if res.MIME == "" {
			res.MIME = "application/octet-stream"
		}
	case isBasicString(rt):
		r.Kind = model.ResultString
		if res.MIME == "" {
			res.MIME = "text/plain"
		}
	default:
		r.Kind = model.ResultStructured
		r.Type = p.convertAs("result", rt, fn.Pos)
		if res.MIME == "" {
			res.MIME = "application/json"
		}
	}
}

func (p *loader) promptResult(fn *model.Func, pr *model.Prompt) {
	if fn.Result == nil {
		p.errorf(fn.Pos, "prompt %q: %s must return (Out, error) with the prompt's messages", pr.Name, fn.Name)
		return
	}
	rt := p.sigResult(fn)
	r := fn.Result
	r.GoType = types.TypeString(rt, p.qualifier)
	switch {
	case isFullResult(rt, "GetPromptResult"):
		r.Kind = model.ResultFull
	case isSliceOfPtr(rt, "PromptMessage"):
		r.Kind = model.ResultContent
	case isBasicString(rt):
		r.Kind = model.ResultString
	default:
		p.errorf(fn.Pos, "prompt %q: unsupported result type %s: want string, []*runtime.PromptMessage or *runtime.GetPromptResult", pr.Name, r.GoType)
	}
}

func isBasicString(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Kind() == types.String
}

func isFullResult(t types.Type, name string) bool {
	e, ok := elemOf(t, true)
	return ok && runtimeType(e, name)
}

func isSliceOfPtr(t types.Type, name string) bool {
	e, ok := elemOf(t, false)
	if !ok {
		return false
	}
	e, ok = elemOf(e, true)
	return ok && runtimeType(e, name)
}

func (p *loader) promptArgs(pr *model.Prompt) {
	if pr.Input == nil {
		return
	}
	for _, f := range pr.Input.Fields {
		ft := f.Type
		if ft.Kind == model.Pointer {
			ft = ft.Elem
		}
		if ft.Kind != model.String {
			p.errorf(f.Pos, "prompt %q: argument field %s must be a string (MCP prompt arguments are strings), not %s", pr.Name, f.GoName, typeName(f.Type))
			continue
		}
		desc := f.Constraints.Description
		if desc == "" {
			desc = f.Doc
		}
		pr.Args = append(pr.Args, &model.PromptArg{Name: f.JSONName, Title: f.Constraints.Title, Description: desc, Required: f.Required, Field: f.GoName})
	}
}

// resourceTemplate parses r.URI as an RFC 6570 template when it has
// variables, and binds each variable to the parameter of the same name.
func (p *loader) resourceTemplate(r *model.Resource, uriPos model.Pos) {
	fn := r.Func
	if !strings.Contains(r.URI, "{") {
		if len(fn.Params) > 0 {
			p.errorf(fn.Params[0].Pos, "resource %q: parameter %s is not a variable of the URI (a URI without {variables} takes only the context)", r.URI, fn.Params[0].Name)
		}
		return
	}
	tmpl, err := uritemplate.New(r.URI)
	if err != nil {
		p.errorf(uriPos, "resource uri %q is not a valid URI template: %v", r.URI, err)
		return
	}
	r.Template = true
	ops := templateOps(r.URI)
	bound := map[string]bool{}
	for _, name := range tmpl.Varnames() {
		idx := -1
		for i, prm := range fn.Params {
			if prm.Name == name {
				idx = i
			}
		}
		if idx < 0 {
			at := uriPos
			at.Col += varOffset(r.URI, name)
			p.errorf(at, "resource %q: URI variable {%s} is not bound to a parameter of %s", r.URI, name, fn.Name)
			continue
		}
		bound[name] = true
		r.Vars = append(r.Vars, &model.TemplateVar{Name: name, Param: idx, Op: ops[name]})
	}
	for i, prm := range fn.Params {
		if !bound[prm.Name] {
			p.errorf(prm.Pos, "resource %q: parameter %s is not a variable of the URI template", r.URI, prm.Name)
			continue
		}
		v := p.sigParam(fn, i)
		prm.Type = p.convertAs("parameter "+prm.Name, v.Type(), prm.Pos)
		if prm.Type != nil {
			switch prm.Type.Kind {
			case model.String, model.Bool, model.Int, model.Uint, model.Float:
			default:
				p.errorf(prm.Pos, "resource %q: unsupported parameter type %s for URI variable %s: want a string, bool or number", r.URI, typeName(prm.Type), prm.Name)
			}
		}
	}
}

// varOffset returns the byte offset of variable name in an RFC 6570
// template, or 0 if it cannot be found.
func varOffset(tmpl, name string) int {
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '{' {
			continue
		}
		end := strings.IndexByte(tmpl[i:], '}')
		if end < 0 {
			return 0
		}
		start := i + 1
		if start < i+end && strings.IndexByte("+#./;?&", tmpl[start]) >= 0 {
			start++
		}
		for _, spec := range strings.Split(tmpl[start:i+end], ",") {
			v := strings.TrimSuffix(spec, "*")
			if j := strings.IndexByte(v, ':'); j >= 0 {
				v = v[:j]
			}
			if v == name {
				return start
			}
			start += len(spec) + 1
		}
		i += end
	}
	return 0
}

// templateOps maps each variable of an RFC 6570 template to the operator
// of its expression.
func templateOps(tmpl string) map[string]byte {
	ops := map[string]byte{}
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			return ops
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return ops
		}
		expr := tmpl[i+1 : i+j]
		var op byte
		if expr != "" && strings.ContainsRune("+#./;?&", rune(expr[0])) {
			op, expr = expr[0], expr[1:]
		}
		for _, v := range strings.Split(expr, ",") {
			v = strings.TrimSuffix(v, "*")
			if k := strings.IndexByte(v, ':'); k >= 0 {
				v = v[:k]
			}
			ops[v] = op
		}
		tmpl = tmpl[i+j+1:]
	}
}

// checkPackage reports duplicate components and versioning mixes.
func (p *loader) checkPackage(m *model.Package) {
	type seen struct {
		pos       model.Pos
		versioned bool
	}
	check := func(kind string, name, version string, pos model.Pos, byKey map[string]model.Pos, byName map[string]seen) {
		key := name + "@" + version
		if prev, ok := byKey[key]; ok {
			if version == "" {
				p.errorf(pos, "%s %q already declared at %s", kind, name, prev)
			} else {
				p.errorf(pos, "%s %q version %q already declared at %s", kind, name, version, prev)
			}
			return
		}
		byKey[key] = pos
		if prev, ok := byName[name]; ok && prev.versioned != (version != "") {
			p.errorf(pos, "%s %q is declared both with and without a version (other at %s): version all of them or none", kind, name, prev.pos)
			return
		}
		byName[name] = seen{pos, version != ""}
	}
	keys, names := map[string]model.Pos{}, map[string]seen{}
	for _, t := range m.Tools {
		check("tool", t.Name, t.Version, t.Pos, keys, names)
	}
	keys, names = map[string]model.Pos{}, map[string]seen{}
	for _, pr := range m.Prompts {
		check("prompt", pr.Name, pr.Version, pr.Pos, keys, names)
	}
	uris := map[string]model.Pos{}
	for _, r := range m.Resources {
		key := r.URI + "@" + r.Version
		if prev, ok := uris[key]; ok {
			p.errorf(r.Pos, "resource %q already declared at %s", r.URI, prev)
			continue
		}
		uris[key] = r.Pos
	}
}

func typeName(t *model.Type) string {
	if t == nil {
		return "?"
	}
	if t.Name != "" {
		return t.Name
	}
	switch t.Kind {
	case model.Pointer:
		return "*" + typeName(t.Elem)
	case model.Slice:
		return "[]" + typeName(t.Elem)
	case model.Array:
		return fmt.Sprintf("[%d]%s", t.Len, typeName(t.Elem))
	case model.Map:
		return "map[" + typeName(t.Key) + "]" + typeName(t.Elem)
	case model.Int, model.Uint, model.Float:
		return intName(t.Kind.String(), t.Bits)
	}
	return t.Kind.String()
}

func intName(kind string, bits int) string {
	if bits == 0 {
		return kind
	}
	return fmt.Sprintf("%s%d", kind, bits)
}
