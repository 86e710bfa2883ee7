package emit

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/tools/imports"

	"github.com/dave/jennifer/jen"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"
)

// fields are the keyed fields of a composite literal, by field name.
type fields map[string]jen.Code

// in renders f as the body of a composite literal, {Key: value, ...},
// with the keys in the order the type declares its fields (order, from
// declared), as a person would write them: inline for one field, one per
// line for more. Keys order lacks come last, sorted.
func (f fields) in(order []string) *jen.Statement {
	var keys []string
	known := map[string]bool{}
	for _, k := range order {
		known[k] = true
		if _, ok := f[k]; ok {
			keys = append(keys, k)
		}
	}
	var extra []string
	for k := range f {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	keys = append(keys, extra...)
	items := make([]jen.Code, len(keys))
	for i, k := range keys {
		items[i] = jen.Id(k).Op(":").Add(f[k])
	}
	return jen.Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: len(items) > 1}, items...)
}

// list renders items as the body of a slice literal: inline for up to
// three, one per line for more.
func list(items []jen.Code) *jen.Statement {
	return jen.Custom(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: len(items) > 3}, items...)
}

// declared returns the exported fields of struct type T in declaration
// order.
func declared[T any]() []string {
	t := reflect.TypeFor[T]()
	var out []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			out = append(out, f.Name)
		}
	}
	return out
}

// The field orders of the runtime types generated code fills in.
var (
	componentsOrder  = declared[runtime.Components]()
	toolOrder        = declared[runtime.Tool]()
	annotationsOrder = declared[runtime.ToolAnnotations]()
	resourceOrder    = declared[runtime.Resource]()
	templateOrder    = declared[runtime.ResourceTemplate]()
	promptOrder      = declared[runtime.Prompt]()
	promptArgOrder   = declared[runtime.PromptArgument]()
	completionOrder  = declared[runtime.Completion]()

	// Those of generated CLIs.
	commandOrder        = declared[cobra.Command]()
	clientOptionsOrder  = declared[client.Options]()
	callToolParamsOrder = declared[mcp.CallToolParams]()
)

// gofmt formats generated source as gofmt and goimports would: the
// standard library's imports first, then the others. It adds and removes
// no import.
func gofmt(src []byte) ([]byte, error) {
	return imports.Process("generated.go", src, &imports.Options{Comments: true, TabIndent: true, TabWidth: 8, FormatOnly: true})
}

// commentWidth is the width generated comments are wrapped at, "// "
// included, as people wrap theirs.
const commentWidth = 80

// docf writes a comment, formatted as fmt.Sprintf does and wrapped at
// commentWidth. A word longer than the width (a long URI) gets a line of
// its own.
func docf(f *jen.File, format string, args ...any) {
	for _, line := range wrap(fmt.Sprintf(format, args...), commentWidth-3) {
		f.Comment(line)
	}
}

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
