package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Elicitor returns the answer to a server's elicitation requests for
// mode: "ask" asks on out for each field of the requested schema and
// reads the answers, a line each, from in (an empty line takes the
// field's default; "!decline" or "!cancel" answers so; the end of in
// declines); "defaults" accepts with the schema's defaults; "decline"
// declines every request.
func Elicitor(mode string, in io.Reader, out io.Writer) (func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error), error) {
	switch mode {
	case "defaults":
		return client.AcceptDefaults, nil
	case "decline":
		return func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "decline"}, nil
		}, nil
	case "ask", "":
	default:
		return nil, fmt.Errorf("--elicit %q: want ask, defaults or decline", mode)
	}
	a := &asker{in: bufio.NewReader(in), out: out}
	return a.elicit, nil
}

type asker struct {
	mu  sync.Mutex // one form at a time
	in  *bufio.Reader
	out io.Writer
}

type field struct {
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Default     json.RawMessage   `json:"default"`
	Enum        []json.RawMessage `json:"enum"`
}

func (a *asker) elicit(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := req.Params
	if p.Mode == "url" || p.URL != "" {
		fmt.Fprintf(a.out, "The server asks you to open %s\n  %s\nPress Enter when done (!decline or !cancel otherwise): ", p.URL, p.Message)
		line, ok := a.line()
		switch {
		case !ok || line == "!decline":
			return &mcp.ElicitResult{Action: "decline"}, nil
		case line == "!cancel":
			return &mcp.ElicitResult{Action: "cancel"}, nil
		}
		return &mcp.ElicitResult{Action: "accept"}, nil
	}
	var schema struct {
		Properties map[string]field `json:"properties"`
		Required   []string         `json:"required"`
	}
	if js, err := json.Marshal(p.RequestedSchema); err == nil {
		json.Unmarshal(js, &schema)
	}
	fmt.Fprintf(a.out, "The server asks: %s\n", p.Message)
	names := make([]string, 0, len(schema.Properties))
	for n := range schema.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprint(a.out, "Accept? [Y/n] ")
		line, ok := a.line()
		if !ok || strings.EqualFold(line, "n") || line == "!decline" {
			return &mcp.ElicitResult{Action: "decline"}, nil
		}
		if line == "!cancel" {
			return &mcp.ElicitResult{Action: "cancel"}, nil
		}
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{}}, nil
	}
	content := map[string]any{}
	for _, n := range names {
		f := schema.Properties[n]
		for {
			label := n
			if f.Title != "" {
				label = f.Title + " (" + n + ")"
			}
			hint := f.Type
			if len(f.Enum) > 0 {
				var opts []string
				for _, e := range f.Enum {
					opts = append(opts, strings.Trim(string(e), `"`))
				}
				hint = strings.Join(opts, "|")
			}
			if len(f.Default) > 0 {
				hint += ", default " + strings.Trim(string(f.Default), `"`)
			}
			fmt.Fprintf(a.out, "  %s [%s]: ", label, hint)
			line, ok := a.line()
			switch {
			case !ok || line == "!decline":
				return &mcp.ElicitResult{Action: "decline"}, nil
			case line == "!cancel":
				return &mcp.ElicitResult{Action: "cancel"}, nil
			case line == "":
				if len(f.Default) > 0 {
					var v any
					json.Unmarshal(f.Default, &v)
					content[n] = v
				}
			default:
				v, err := parseField(f.Type, line)
				if err != nil {
					fmt.Fprintf(a.out, "  %v\n", err)
					continue
				}
				content[n] = v
			}
			break
		}
	}
	return &mcp.ElicitResult{Action: "accept", Content: content}, nil
}

// line reads a line of the answer; false at the end of the input.
func (a *asker) line() (string, bool) {
	s, err := a.in.ReadString('\n')
	if err != nil && s == "" {
		fmt.Fprintln(a.out)
		return "", false
	}
	return strings.TrimSpace(s), true
}

func parseField(typ, s string) (any, error) {
	switch typ {
	case "boolean":
		switch strings.ToLower(s) {
		case "y", "yes", "true", "1":
			return true, nil
		case "n", "no", "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q: answer yes or no", s)
	case "integer":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: want an integer", s)
		}
		return n, nil
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: want a number", s)
		}
		return f, nil
	}
	return s, nil
}
