package annotations

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Prefix starts every mcpgen directive line.
const Prefix = "//mcp:"

// Error is a problem in an annotation, at a byte offset (0-based column)
// within the comment line or struct tag it was found in.
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Arg is one key[=value] of a directive or struct tag.
type Arg struct {
	Key      string
	Value    string
	HasValue bool
	KeyCol   int // offset of the key
	ValueCol int // offset of the value (after any quote)
}

// Directive is one parsed //mcp:<kind> line.
type Directive struct {
	Kind    string // "tool", "resource", "prompt", "complete"
	KindCol int
	Args    []Arg
}

// Kinds lists the directive kinds mcpgen understands.
var Kinds = []string{"complete", "prompt", "resource", "tool"}

// NearMiss reports whether a comment line that does not start with Prefix
// is a directive written slightly wrong, and so would be ignored: a space
// after the slashes or around the colon, or upper case ("// mcp:tool",
// "//MCP:tool", "// mcp : prompt"). It returns the line as the directive
// should be written.
func NearMiss(line string) (string, bool) {
	if strings.HasPrefix(line, Prefix) || !strings.HasPrefix(line, "//") {
		return "", false
	}
	s := strings.TrimLeft(line[2:], " \t")
	if len(s) < 3 || !strings.EqualFold(s[:3], "mcp") {
		return "", false
	}
	s = strings.TrimLeft(s[3:], " \t")
	if !strings.HasPrefix(s, ":") {
		return "", false
	}
	s = strings.TrimLeft(s[1:], " \t")
	kind, rest := s, ""
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		kind, rest = s[:i], s[i:]
	}
	if !contains(Kinds, strings.ToLower(kind)) {
		return "", false
	}
	return Prefix + strings.ToLower(kind) + rest, true
}

// ParseDirective parses a comment line that starts with Prefix. Column
// offsets in errors and args are relative to the start of line.
func ParseDirective(line string) (*Directive, error) {
	if !strings.HasPrefix(line, Prefix) {
		return nil, &Error{Msg: "not an mcp directive"}
	}
	i := len(Prefix)
	start := i
	for i < len(line) && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	d := &Directive{Kind: line[start:i], KindCol: start}
	if !contains(Kinds, d.Kind) {
		msg := fmt.Sprintf("unknown directive //mcp:%s (want //mcp:tool, //mcp:resource, //mcp:prompt or //mcp:complete)", d.Kind)
		if s := suggest(d.Kind, Kinds); s != "" {
			msg = fmt.Sprintf("unknown directive //mcp:%s; did you mean //mcp:%s?", d.Kind, s)
		}
		return nil, &Error{Col: start, Msg: msg}
	}
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return d, nil
		}
		a := Arg{KeyCol: i}
		for i < len(line) && line[i] != '=' && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		a.Key = line[a.KeyCol:i]
		if a.Key == "" {
			return nil, &Error{Col: i, Msg: "missing key before '='"}
		}
		if i < len(line) && line[i] == '=' {
			i++
			a.HasValue, a.ValueCol = true, i
			if i < len(line) && line[i] == '"' {
				j := i + 1
				for j < len(line) && line[j] != '"' {
					if line[j] == '\\' {
						j++
					}
					j++
				}
				if j >= len(line) {
					return nil, &Error{Col: i, Msg: fmt.Sprintf("unterminated quoted value for %s", a.Key)}
				}
				v, err := strconv.Unquote(line[i : j+1])
				if err != nil {
					return nil, &Error{Col: i, Msg: fmt.Sprintf("bad quoted value for %s: %v", a.Key, err)}
				}
				a.Value, a.ValueCol = v, i+1
				i = j + 1
			} else {
				for i < len(line) && line[i] != ' ' && line[i] != '\t' {
					i++
				}
				a.Value = line[a.ValueCol:i]
			}
		}
		d.Args = append(d.Args, a)
	}
}

// Hints are the tool annotation hints. Nil means not stated.
type Hints struct {
	ReadOnly, Destructive, Idempotent, OpenWorld *bool
}

// Options are the typed options of a directive. Which fields may be set
// depends on the kind; Options reports any other key as an error.
type Options struct {
	Name    string
	Version string
	Title   string
	Tags    []string
	Hints   Hints
	Timeout time.Duration
	// MaxResultBytes bounds the JSON encoding of a tool's result; 0 means
	// no limit.
	MaxResultBytes int
	MIME           string
	URI            string
	// Task is a tool's task support (task=): "forbidden", "optional" or
	// "required"; "" when not stated.
	Task string
	// For //mcp:complete: the prompt or resource template completed, and
	// the argument (or template variable).
	Prompt, Resource, Arg string

	// Auth are the authorization checks (auth=...), all of which must
	// pass, in order.
	Auth []Auth

	NameCol, URICol, PromptCol, ResourceCol, ArgCol, MIMECol int
}

// Auth is one auth= check: the scopes of auth=scope:a,b (all required), or
// the Go function auth=FuncName names.
type Auth struct {
	Scopes []string
	Func   string
	Col    int // offset of the value
}

// authKey is the one key a directive may repeat: each auth= adds a check.
const authKey = "auth"

var directiveKeys = map[string][]string{
	"tool":     {"auth", "destructive", "idempotent", "max_result_bytes", "mime", "name", "openworld", "readonly", "tags", "task", "timeout", "title", "version"},
	"resource": {"auth", "mime", "name", "tags", "title", "uri", "version"},
	"prompt":   {"auth", "name", "tags", "title", "version"},
	"complete": {"arg", "prompt", "resource"},
}

var mimeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$`)

// Options converts the directive's arguments to typed options, reporting
// every problem found (unknown and duplicate keys, missing or malformed
// values).
func (d *Directive) Options() (*Options, []*Error) {
	o := &Options{}
	var errs []*Error
	fail := func(col int, format string, args ...any) {
		errs = append(errs, &Error{Col: col, Msg: fmt.Sprintf(format, args...)})
	}
	allowed := directiveKeys[d.Kind]
	seen := map[string]bool{}
	for _, a := range d.Args {
		if !contains(allowed, a.Key) {
			msg := fmt.Sprintf("unknown key %q in //mcp:%s (allowed: %s)", a.Key, d.Kind, strings.Join(allowed, ", "))
			if s := suggest(a.Key, allowed); s != "" {
				msg = fmt.Sprintf("unknown key %q in //mcp:%s; did you mean %q?", a.Key, d.Kind, s)
			}
			if a.Key == "task" {
				msg = "task= applies to //mcp:tool only: the protocol runs only tool calls as tasks"
			}
			fail(a.KeyCol, "%s", msg)
			continue
		}
		if seen[a.Key] && a.Key != authKey {
			fail(a.KeyCol, "duplicate key %q", a.Key)
			continue
		}
		seen[a.Key] = true
		switch a.Key {
		case "readonly", "destructive", "idempotent", "openworld":
			v := true
			if a.HasValue {
				b, err := strconv.ParseBool(a.Value)
				if err != nil {
					fail(a.ValueCol, "%s must be true or false, not %q", a.Key, a.Value)
					continue
				}
				v = b
			}
			switch a.Key {
			case "readonly":
				o.Hints.ReadOnly = &v
			case "destructive":
				o.Hints.Destructive = &v
			case "idempotent":
				o.Hints.Idempotent = &v
			case "openworld":
				o.Hints.OpenWorld = &v
			}
			continue
		}
		if !a.HasValue || a.Value == "" {
			fail(a.KeyCol, "%s needs a value (%s=...)", a.Key, a.Key)
			continue
		}
		switch a.Key {
		case "name":
			o.Name, o.NameCol = a.Value, a.ValueCol
		case "version":
			if strings.Contains(a.Value, "@") {
				fail(a.ValueCol, "version %q must not contain '@'", a.Value)
			}
			o.Version = a.Value
		case "title":
			o.Title = a.Value
		case "tags":
			for _, t := range strings.Split(a.Value, ",") {
				if t = strings.TrimSpace(t); t == "" {
					fail(a.ValueCol, "empty tag in %q", a.Value)
					continue
				}
				if !contains(o.Tags, t) {
					o.Tags = append(o.Tags, t)
				}
			}
			sort.Strings(o.Tags)
		case "timeout":
			t, err := time.ParseDuration(a.Value)
			if err != nil || t <= 0 {
				fail(a.ValueCol, "timeout %q is not a positive duration (e.g. 10s, 1m30s)", a.Value)
				continue
			}
			o.Timeout = t
		case "task":
			switch a.Value {
			case "forbidden", "optional", "required":
				o.Task = a.Value
			default:
				fail(a.ValueCol, "task %q: want task=optional, task=required or task=forbidden", a.Value)
			}
		case "max_result_bytes":
			n, err := strconv.Atoi(a.Value)
			if err != nil || n <= 0 {
				fail(a.ValueCol, "max_result_bytes %q is not a positive number of bytes (e.g. 500000)", a.Value)
				continue
			}
			o.MaxResultBytes = n
		case "mime":
			if !mimeRE.MatchString(a.Value) {
				fail(a.ValueCol, "mime %q is not a MIME type (e.g. image/png)", a.Value)
				continue
			}
			o.MIME, o.MIMECol = a.Value, a.KeyCol
		case "uri":
			o.URI, o.URICol = a.Value, a.ValueCol
		case "prompt":
			o.Prompt, o.PromptCol = a.Value, a.ValueCol
		case "resource":
			o.Resource, o.ResourceCol = a.Value, a.ValueCol
		case "arg":
			o.Arg, o.ArgCol = a.Value, a.ValueCol
		case authKey:
			if au, msg := parseAuth(a.Value); msg != "" {
				fail(a.ValueCol, "%s", msg)
			} else {
				au.Col = a.ValueCol
				o.Auth = append(o.Auth, au)
			}
		}
	}
	if d.Kind == "complete" {
		switch {
		case o.Prompt == "" && o.Resource == "" && !seen["prompt"] && !seen["resource"]:
			fail(d.KindCol, "//mcp:complete needs prompt=NAME or resource=URI-TEMPLATE")
		case o.Prompt != "" && o.Resource != "":
			fail(d.KindCol, "//mcp:complete takes prompt= or resource=, not both")
		}
		if o.Arg == "" && !seen["arg"] {
			fail(d.KindCol, "//mcp:complete needs arg=NAME")
		}
	}
	if d.Kind == "resource" && o.URI == "" && !seen["uri"] {
		fail(d.KindCol, "//mcp:resource needs uri=...")
	}
	return o, errs
}

var identRE = regexp.MustCompile(`^[\pL_][\pL\pN_]*$`)

// parseAuth parses the value of auth=: "scope:a,b" or a Go identifier.
func parseAuth(v string) (Auth, string) {
	const want = "want auth=scope:NAME[,NAME...] or auth=FuncName"
	if rest, ok := strings.CutPrefix(v, "scope:"); ok {
		var au Auth
		for _, sc := range strings.Split(rest, ",") {
			if sc == "" || strings.ContainsAny(sc, " \t\"\\") {
				return Auth{}, fmt.Sprintf("auth=%s: empty or malformed scope (%s)", v, want)
			}
			if !contains(au.Scopes, sc) {
				au.Scopes = append(au.Scopes, sc)
			}
		}
		return au, ""
	}
	if strings.Contains(v, ":") {
		return Auth{}, fmt.Sprintf("auth=%s: unknown kind of check %q (%s)", v, v[:strings.Index(v, ":")], want)
	}
	if !identRE.MatchString(v) {
		return Auth{}, fmt.Sprintf("auth=%s is not a Go function name (%s)", v, want)
	}
	return Auth{Func: v}, ""
}

// TagKeys are the keys of the `mcp:"..."` struct tag.
var TagKeys = []string{"default", "deprecated", "desc", "enum", "examples", "exclusiveMax", "exclusiveMin", "format",
	"max", "maxItems", "maxLength", "min", "minItems", "minLength", "pattern", "required", "schema", "title"}

// SchemaDirective, in the doc comment of a struct type, names the Go
// string constant (or //go:embed variable) holding the type's JSON Schema,
// written by hand: //mcp:schema NAME.
const SchemaDirective = Prefix + "schema"

// ParseTag splits an `mcp:"..."` tag value into its items. Values holding a
// comma are single-quoted, with a literal quote written twice. A tag of exactly
// "-" yields one item with Key "-". Offsets are relative to the tag value.
func ParseTag(tag string) ([]Arg, error) {
	if strings.TrimSpace(tag) == "-" {
		return []Arg{{Key: "-"}}, nil
	}
	var out []Arg
	seen := map[string]bool{}
	i := 0
	for i < len(tag) {
		for i < len(tag) && tag[i] == ' ' {
			i++
		}
		a := Arg{KeyCol: i}
		for i < len(tag) && tag[i] != '=' && tag[i] != ',' {
			i++
		}
		a.Key = strings.TrimSpace(tag[a.KeyCol:i])
		if i < len(tag) && tag[i] == '=' {
			i++
			a.HasValue, a.ValueCol = true, i
			if i < len(tag) && tag[i] == '\'' {
				var b strings.Builder
				j := i + 1
				for {
					if j >= len(tag) {
						return nil, &Error{Col: i, Msg: fmt.Sprintf("unterminated quoted value for %s", a.Key)}
					}
					if tag[j] == '\'' {
						if j+1 < len(tag) && tag[j+1] == '\'' {
							b.WriteByte('\'')
							j += 2
							continue
						}
						break
					}
					b.WriteByte(tag[j])
					j++
				}
				a.Value, a.ValueCol = b.String(), i+1
				i = j + 1
				for i < len(tag) && tag[i] == ' ' {
					i++
				}
				if i < len(tag) && tag[i] != ',' {
					return nil, &Error{Col: i, Msg: fmt.Sprintf("expected ',' after quoted value of %s", a.Key)}
				}
			} else {
				for i < len(tag) && tag[i] != ',' {
					i++
				}
				a.Value = strings.TrimSpace(tag[a.ValueCol:i])
			}
		}
		if i < len(tag) && tag[i] == ',' {
			i++
		}
		if a.Key == "" {
			if a.HasValue {
				return nil, &Error{Col: a.KeyCol, Msg: "missing key before '='"}
			}
			continue
		}
		if !contains(TagKeys, a.Key) {
			msg := fmt.Sprintf("unknown mcp tag key %q", a.Key)
			if s := suggest(a.Key, TagKeys); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return nil, &Error{Col: a.KeyCol, Msg: msg}
		}
		if seen[a.Key] {
			return nil, &Error{Col: a.KeyCol, Msg: fmt.Sprintf("duplicate mcp tag key %q", a.Key)}
		}
		seen[a.Key] = true
		out = append(out, a)
	}
	return out, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// ValidName reports whether name is a valid tool or prompt name: 1 to 128
// characters from A-Z, a-z, 0-9, '_', '-' and '.' (SEP-986).
func ValidName(name string) bool { return nameRE.MatchString(name) }

// SnakeCase converts a Go identifier to snake_case: Forecast → forecast,
// GetUserInfo → get_user_info, HTTPStatus → http_status.
func SnakeCase(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := r[i-1] >= 'a' && r[i-1] <= 'z' || r[i-1] >= '0' && r[i-1] <= '9'
			nextLower := i+1 < len(r) && r[i+1] >= 'a' && r[i+1] <= 'z'
			if prevLower || (nextLower && r[i-1] >= 'A' && r[i-1] <= 'Z') {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Suggest returns the candidate closest to s, if it is close enough to be
// a likely typo, or "".
func Suggest(s string, candidates []string) string { return suggest(s, candidates) }

// suggest returns the candidate closest to s, if it is close enough to be
// a likely typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
