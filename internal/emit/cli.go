package emit

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"
)

// CLISpec describes a command-line client to generate for a server.
type CLISpec struct {
	Name    string   // the command's name
	Server  string   // the server's name and version, for help text
	URL     string   // the server's URL, or
	Command []string // the command that starts it over stdio
	Tools   []CLITool
}

// CLITool is one tool, a subcommand of the CLI.
type CLITool struct {
	Name        string // the tool's name, sent with each call
	Command     string // the subcommand's name (CLINames); "" means FlagName(Name)
	Version     string // the version listed, sent with each call ("" for none)
	Description string
	Flags       []CLIFlag
}

// CLIFlag is one argument of a tool, a flag of its subcommand.
type CLIFlag struct {
	Arg         string // the argument's JSON name
	Flag        string // the flag's name (CLINames); "" means FlagName(Arg)
	Kind        string // string, int, float, bool, strings, ints, floats or json
	Required    bool
	Enum        []string // allowed values of a string flag
	Default     any      // the schema's default, shown in help (not sent)
	Description string
}

const cobraPkg = "github.com/spf13/cobra"

// FlagName turns an argument name into a flag name: "messageType" and
// "message_type" become "message-type".
func FlagName(arg string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range arg {
		switch {
		case r == '_' || r == ' ' || r == '.':
			b.WriteByte('-')
			prevLower = false
			continue
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
			prevLower = false
		default:
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CLINames names the subcommands of tools, or the flags of arguments, by
// one rule: the kebab-case of the name (FlagName: "compare_cities" and
// "compareCities" become "compare-cities"), except that names whose
// kebab-case another name shares keep their own spelling, so that every
// name stays reachable. The result is parallel to names.
func CLINames(names []string) []string {
	count := map[string]int{}
	for _, n := range names {
		count[FlagName(n)]++
	}
	out := make([]string, len(names))
	for i, n := range names {
		if k := FlagName(n); count[k] == 1 {
			out[i] = k
		} else {
			out[i] = n
		}
	}
	return out
}

func (t CLITool) command() string {
	if t.Command != "" {
		return t.Command
	}
	return FlagName(t.Name)
}

func (f CLIFlag) flag() string {
	if f.Flag != "" {
		return f.Flag
	}
	return FlagName(f.Arg)
}

// CLIFile returns the main.go of a standalone CLI for spec's server.
func CLIFile(spec *CLISpec) ([]byte, error) {
	f := jen.NewFile("main")
	f.HeaderComment(Header("server " + spec.Server))
	f.ImportName(cobraPkg, "cobra")
	f.ImportName(clientPkg, "client")
	f.ImportName(mcpPkg, "mcp")
	f.PackageComment(fmt.Sprintf("Command %s calls the tools of the MCP server %s: one subcommand per", spec.Name, spec.Server))
	f.PackageComment("tool, with typed flags. It was written by mcpgen generate-cli.")

	cmd := jen.Null()
	if len(spec.Command) > 0 {
		items := make([]jen.Code, len(spec.Command))
		for i, a := range spec.Command {
			items[i] = jen.Lit(a)
		}
		cmd = jen.Index().String().Values(items...)
	}
	env := strings.ToUpper(strings.ReplaceAll(FlagName(spec.Name), "-", "_")) + "_SERVER"
	f.Comment("The server the CLI was generated from: a URL, or a command run over stdio.")
	f.Var().Defs(
		jen.Id("defaultURL").Op("=").Lit(spec.URL),
		jen.Id("defaultCommand").Op("=").Add(orNilSlice(cmd, len(spec.Command))),
	)
	f.Var().Defs(
		jen.Id("serverURL").String(),
		jen.Id("serverCommand").String(),
		jen.Id("jsonOutput").Bool(),
	)
	f.Comment("errToolFailed reports a tool error result, already printed.")
	f.Var().Id("errToolFailed").Op("=").Qual("errors", "New").Call(jen.Lit("the tool failed"))

	funcs := cmdFuncs(spec.Tools)
	var subs []jen.Code
	for i := range spec.Tools {
		subs = append(subs, jen.Id(funcs[i]).Call())
	}
	f.Func().Id("main").Params().Block(
		jen.Id("root").Op(":=").Op("&").Qual(cobraPkg, "Command").Add(fields{
			"Use":           jen.Lit(spec.Name),
			"Short":         jen.Lit("Call the tools of the MCP server " + spec.Server),
			"SilenceUsage":  jen.True(),
			"SilenceErrors": jen.True(),
		}.in(commandOrder)),
		jen.Id("root").Dot("PersistentFlags").Call().Dot("StringVar").Call(jen.Op("&").Id("serverURL"), jen.Lit("server"), jen.Lit(""),
			jen.Lit("the server's streamable HTTP URL (env "+env+")")),
		jen.Id("root").Dot("PersistentFlags").Call().Dot("StringVar").Call(jen.Op("&").Id("serverCommand"), jen.Lit("server-command"), jen.Lit(""),
			jen.Lit("a command that runs the server over stdio")),
		jen.Id("root").Dot("PersistentFlags").Call().Dot("BoolVar").Call(jen.Op("&").Id("jsonOutput"), jen.Lit("json"), jen.False(), jen.Lit("print the raw result as JSON")),
		jen.Id("root").Dot("AddCommand").Call(subs...),
		jen.Comment("Interrupted or terminated, the command returns and closes its session,"),
		jen.Comment("which ends the server it started over stdio."),
		jen.List(jen.Id("ctx"), jen.Id("stop")).Op(":=").Qual("os/signal", "NotifyContext").Call(
			jen.Qual("context", "Background").Call(), jen.Qual("os", "Interrupt"), jen.Qual("syscall", "SIGTERM")),
		jen.Err().Op(":=").Id("root").Dot("ExecuteContext").Call(jen.Id("ctx")),
		jen.Id("stop").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.If(jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Id("errToolFailed"))).Block(
				jen.Qual("fmt", "Fprintln").Call(jen.Qual("os", "Stderr"), jen.Lit(spec.Name+":"), jen.Err())),
			jen.Qual("os", "Exit").Call(jen.Lit(1)),
		),
	)

	f.Comment("connect opens a session with the server: --server, --server-command, the")
	f.Comment(env + " environment variable (a URL or a command), or the default.")
	f.Func().Id("connect").Params(jen.Id("ctx").Qual("context", "Context")).Params(jen.Op("*").Qual(mcpPkg, "ClientSession"), jen.Error()).Block(
		jen.Id("opts").Op(":=").Op("&").Qual(clientPkg, "Options").Add(fields{"Name": jen.Lit(spec.Name), "Version": jen.Lit("1.0.0"),
			"Progress": jen.Id("showProgress")}.in(clientOptionsOrder)),
		jen.Id("url").Op(",").Id("command").Op(":=").List(jen.Id("serverURL"), jen.Qual("strings", "Fields").Call(jen.Id("serverCommand"))),
		jen.If(jen.Id("url").Op("==").Lit("").Op("&&").Len(jen.Id("command")).Op("==").Lit(0)).Block(
			jen.If(jen.Id("env").Op(":=").Qual("os", "Getenv").Call(jen.Lit(env)), jen.Id("env").Op("!=").Lit("")).Block(
				jen.If(jen.Qual("strings", "HasPrefix").Call(jen.Id("env"), jen.Lit("http://")).Op("||").Qual("strings", "HasPrefix").Call(jen.Id("env"), jen.Lit("https://"))).Block(
					jen.Id("url").Op("=").Id("env"),
				).Else().Block(
					jen.Id("command").Op("=").Qual("strings", "Fields").Call(jen.Id("env")),
				),
			).Else().Block(
				jen.List(jen.Id("url"), jen.Id("command")).Op("=").List(jen.Id("defaultURL"), jen.Id("defaultCommand")),
			),
		),
		jen.If(jen.Id("url").Op("!=").Lit("")).Block(jen.Return(jen.Qual(clientPkg, "Connect").Call(jen.Id("ctx"), jen.Id("url"), jen.Id("opts")))),
		jen.Return(jen.Qual(clientPkg, "ConnectCommand").Call(jen.Id("ctx"), jen.Id("command"), jen.Id("opts"))),
	)

	f.Comment("showProgress prints the server's progress notifications on stderr.")
	f.Func().Id("showProgress").Params(jen.Id("p").Op("*").Qual(mcpPkg, "ProgressNotificationParams")).Block(
		jen.If(jen.Id("p").Dot("Total").Op(">").Lit(0)).Block(
			jen.Qual("fmt", "Fprintf").Call(jen.Qual("os", "Stderr"), jen.Lit("progress %g/%g %s\n"), jen.Id("p").Dot("Progress"), jen.Id("p").Dot("Total"), jen.Id("p").Dot("Message")),
			jen.Return(),
		),
		jen.Qual("fmt", "Fprintf").Call(jen.Qual("os", "Stderr"), jen.Lit("progress %g %s\n"), jen.Id("p").Dot("Progress"), jen.Id("p").Dot("Message")),
	)

	f.Comment("call calls a tool (at version, when the server versions it) and prints its")
	f.Comment("result: structured content as JSON, text as text, binary content as a")
	f.Comment("note; --json prints the whole result.")
	f.Func().Id("call").Params(jen.Id("cmd").Op("*").Qual(cobraPkg, "Command"), jen.List(jen.Id("tool"), jen.Id("version")).String(), jen.Id("args").Map(jen.String()).Any()).Error().Block(
		jen.Id("ctx").Op(":=").Id("cmd").Dot("Context").Call(),
		jen.List(jen.Id("cs"), jen.Err()).Op(":=").Id("connect").Call(jen.Id("ctx")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Defer().Id("cs").Dot("Close").Call(),
		jen.Id("meta").Op(":=").Qual(clientPkg, "ProgressMeta").Call(jen.Id("tool")),
		jen.If(jen.Id("version").Op("!=").Lit("")).Block(
			jen.Id("meta").Index(jen.Lit("mcpgen")).Op("=").Map(jen.String()).Any().Values(jen.Dict{jen.Lit("version"): jen.Id("version")})),
		jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("cs").Dot("CallTool").Call(jen.Id("ctx"), jen.Op("&").Qual(mcpPkg, "CallToolParams").Add(fields{
			"Name": jen.Id("tool"), "Arguments": jen.Id("args"), "Meta": jen.Id("meta")}.in(callToolParamsOrder))),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Id("out").Op(":=").Id("cmd").Dot("OutOrStdout").Call(),
		jen.If(jen.Id("jsonOutput")).Block(
			jen.Id("enc").Op(":=").Qual("encoding/json", "NewEncoder").Call(jen.Id("out")),
			jen.Id("enc").Dot("SetIndent").Call(jen.Lit(""), jen.Lit("  ")),
			jen.If(jen.Err().Op(":=").Id("enc").Dot("Encode").Call(jen.Id("res")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		).Else().If(jen.Id("res").Dot("IsError")).Block(
			jen.Qual("fmt", "Fprintf").Call(jen.Id("cmd").Dot("ErrOrStderr").Call(), jen.Lit("error: %s\n"), jen.Qual(clientPkg, "Text").Call(jen.Id("res").Dot("Content"))),
		).Else().Block(jen.Id("printResult").Call(jen.Id("out"), jen.Id("res"))),
		jen.If(jen.Id("res").Dot("IsError")).Block(jen.Return(jen.Id("errToolFailed"))),
		jen.Return(jen.Nil()),
	)

	f.Comment("printResult prints structured content as indented JSON and the other")
	f.Comment("contents for people, skipping the text copy of the structured content.")
	f.Func().Id("printResult").Params(jen.Id("w").Qual("io", "Writer"), jen.Id("res").Op("*").Qual(mcpPkg, "CallToolResult")).Block(
		jen.Var().Id("structured").String(),
		jen.If(jen.Id("res").Dot("StructuredContent").Op("!=").Nil()).Block(
			jen.List(jen.Id("js"), jen.Id("_")).Op(":=").Qual("encoding/json", "MarshalIndent").Call(jen.Id("res").Dot("StructuredContent"), jen.Lit(""), jen.Lit("  ")),
			jen.Qual("fmt", "Fprintln").Call(jen.Id("w"), jen.String().Call(jen.Id("js"))),
			jen.List(jen.Id("compact"), jen.Id("_")).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("res").Dot("StructuredContent")),
			jen.Id("structured").Op("=").String().Call(jen.Id("compact")),
		),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("res").Dot("Content")).Block(
			jen.Switch(jen.Id("c").Op(":=").Id("c").Assert(jen.Type())).Block(
				jen.Case(jen.Op("*").Qual(mcpPkg, "TextContent")).Block(
					jen.If(jen.Id("structured").Op("!=").Lit("").Op("&&").Id("sameJSON").Call(jen.Id("c").Dot("Text"), jen.Id("structured"))).Block(jen.Continue()),
					jen.Qual("fmt", "Fprintln").Call(jen.Id("w"), jen.Id("c").Dot("Text")),
				),
				jen.Case(jen.Op("*").Qual(mcpPkg, "ImageContent")).Block(
					jen.Qual("fmt", "Fprintf").Call(jen.Id("w"), jen.Lit("[image %s, %d bytes]\n"), jen.Id("c").Dot("MIMEType"), jen.Len(jen.Id("c").Dot("Data")))),
				jen.Case(jen.Op("*").Qual(mcpPkg, "AudioContent")).Block(
					jen.Qual("fmt", "Fprintf").Call(jen.Id("w"), jen.Lit("[audio %s, %d bytes]\n"), jen.Id("c").Dot("MIMEType"), jen.Len(jen.Id("c").Dot("Data")))),
				jen.Case(jen.Op("*").Qual(mcpPkg, "EmbeddedResource")).Block(
					jen.If(jen.Id("c").Dot("Resource").Op("!=").Nil()).Block(
						jen.Qual("fmt", "Fprintf").Call(jen.Id("w"), jen.Lit("[resource %s]\n%s\n"), jen.Id("c").Dot("Resource").Dot("URI"), jen.Id("c").Dot("Resource").Dot("Text")))),
				jen.Case(jen.Op("*").Qual(mcpPkg, "ResourceLink")).Block(
					jen.Qual("fmt", "Fprintf").Call(jen.Id("w"), jen.Lit("[link %s] %s\n"), jen.Id("c").Dot("URI"), jen.Id("c").Dot("Name"))),
			),
		),
	)
	f.Comment("sameJSON reports whether text is the JSON document compact.")
	f.Func().Id("sameJSON").Params(jen.List(jen.Id("text"), jen.Id("compact")).String()).Bool().Block(
		jen.Var().Id("v").Any(),
		jen.If(jen.Qual("encoding/json", "Unmarshal").Call(jen.Index().Byte().Call(jen.Id("text")), jen.Op("&").Id("v")).Op("!=").Nil()).Block(jen.Return(jen.False())),
		jen.List(jen.Id("b"), jen.Id("_")).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("v")),
		jen.Return(jen.String().Call(jen.Id("b")).Op("==").Id("compact")),
	)

	for i, t := range spec.Tools {
		cliTool(f, t, funcs[i])
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return gofmt(buf.Bytes())
}

func orNilSlice(c *jen.Statement, n int) jen.Code {
	if n == 0 {
		return jen.Index().String().Call(jen.Nil())
	}
	return c
}

// cmdFuncs names the constructor of each tool's subcommand: cmd and the
// tool's name in CamelCase, with a number added when two names would
// meet.
func cmdFuncs(tools []CLITool) []string {
	seen := map[string]bool{}
	out := make([]string, len(tools))
	for i, t := range tools {
		base := "cmd" + exported(t.Name)
		name := base
		for n := 2; seen[name]; n++ {
			name = base + itoa(n)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// cliTool writes fn, the constructor of one tool's subcommand.
func cliTool(f *jen.File, t CLITool, fn string) {
	var decls, flags, collect []jen.Code
	for i, fl := range t.Flags {
		v := "f" + itoa(i)
		name := fl.flag()
		desc := fl.Description
		if len(fl.Enum) > 0 {
			desc = strings.TrimSpace(desc + " (one of: " + strings.Join(fl.Enum, ", ") + ")")
		}
		if fl.Required {
			desc = strings.TrimSpace(desc + " (required)")
		}
		var typ jen.Code
		var method string
		var def jen.Code
		switch fl.Kind {
		case "int":
			typ, method, def = jen.Int64(), "Int64Var", jen.Lit(int64(numDefault(fl.Default)))
		case "float":
			typ, method, def = jen.Float64(), "Float64Var", jen.Lit(numDefault(fl.Default))
		case "bool":
			b, _ := fl.Default.(bool)
			typ, method, def = jen.Bool(), "BoolVar", jen.Lit(b)
		case "strings":
			typ, method, def = jen.Index().String(), "StringSliceVar", jen.Nil()
		case "ints":
			typ, method, def = jen.Index().Int64(), "Int64SliceVar", jen.Nil()
		case "floats":
			typ, method, def = jen.Index().Float64(), "Float64SliceVar", jen.Nil()
		case "json":
			typ, method, def = jen.String(), "StringVar", jen.Lit("")
			desc = strings.TrimSpace(desc + " (JSON)")
		default:
			s, _ := fl.Default.(string)
			typ, method, def = jen.String(), "StringVar", jen.Lit(s)
		}
		decls = append(decls, jen.Var().Id(v).Add(typ))
		flags = append(flags, jen.Id("c").Dot("Flags").Call().Dot(method).Call(jen.Op("&").Id(v), jen.Lit(name), def, jen.Lit(desc)))
		if fl.Required {
			flags = append(flags, jen.Id("c").Dot("MarkFlagRequired").Call(jen.Lit(name)))
		}
		var set []jen.Code
		if len(fl.Enum) > 0 {
			vals := make([]jen.Code, len(fl.Enum))
			for j, e := range fl.Enum {
				vals[j] = jen.Lit(e)
			}
			set = append(set, jen.If(jen.Op("!").Qual("slices", "Contains").Call(jen.Index().String().Values(vals...), jen.Id(v))).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("--"+name+" must be one of "+strings.Join(fl.Enum, ", ")+", not %q"), jen.Id(v)))))
		}
		if fl.Kind == "json" {
			set = append(set,
				jen.Var().Id("x").Any(),
				jen.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Index().Byte().Call(jen.Id(v)), jen.Op("&").Id("x")), jen.Err().Op("!=").Nil()).Block(
					jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("--"+name+" is not JSON: %v"), jen.Err()))),
				jen.Id("args").Index(jen.Lit(fl.Arg)).Op("=").Id("x"))
		} else {
			set = append(set, jen.Id("args").Index(jen.Lit(fl.Arg)).Op("=").Id(v))
		}
		collect = append(collect, jen.If(jen.Id("c").Dot("Flags").Call().Dot("Changed").Call(jen.Lit(name))).Block(set...))
	}
	body := append([]jen.Code{jen.Id("args").Op(":=").Map(jen.String()).Any().Values()}, collect...)
	body = append(body, jen.Return(jen.Id("call").Call(jen.Id("c"), jen.Lit(t.Name), jen.Lit(t.Version), jen.Id("args"))))
	short := firstSentence(t.Description)
	d := fields{
		"Use":   jen.Lit(t.command()),
		"Short": jen.Lit(short),
		"Long":  jen.Lit(strings.TrimSpace(t.Description)),
		"Args":  jen.Qual(cobraPkg, "NoArgs"),
	}
	if t.command() != t.Name {
		// The tool's own name works too.
		d["Aliases"] = jen.Index().String().Values(jen.Lit(t.Name))
	}
	stmts := append(decls,
		jen.Id("c").Op(":=").Op("&").Qual(cobraPkg, "Command").Add(d.in(commandOrder)),
		jen.Id("c").Dot("RunE").Op("=").Func().Params(jen.Id("c").Op("*").Qual(cobraPkg, "Command"), jen.Id("_").Index().String()).Error().Block(body...),
	)
	stmts = append(stmts, flags...)
	stmts = append(stmts, jen.Return(jen.Id("c")))
	docf(f, "%s is the %s subcommand: tool %q.", fn, t.command(), t.Name)
	f.Func().Id(fn).Params().Op("*").Qual(cobraPkg, "Command").Block(stmts...)
}

func itoa(i int) string { return fmt.Sprint(i) }

func numDefault(v any) float64 {
	f, _ := v.(float64)
	return f
}
