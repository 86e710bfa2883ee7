package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
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
	a := &asker{in: in, out: out, turn: make(chan struct{}, 1)}
	return a.elicit, nil
}

// An asker reads its answers on a goroutine of its own (started with the
// first question, reading a line ahead at most), so that a question gives
// up when its context ends (Ctrl-C, --call-timeout) although in has no
// deadline.
type asker struct {
	turn  chan struct{} // one form at a time: held while asking
	in    io.Reader
	out   io.Writer
	start sync.Once
	lines chan string // closed at the end of in
}

// ElicitDefault is the --elicit mode to use when none is given: ask when
// stdin is a terminal, decline otherwise (no one is there to answer, and
// an open, silent stdin would block the call).
func ElicitDefault(stdin *os.File) string {
	if st, err := stdin.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		return "ask"
	}
	return "decline"
}

type field struct {
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Default     json.RawMessage   `json:"default"`
	Enum        []json.RawMessage `json:"enum"`
}

func (a *asker) elicit(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	select {
	case a.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-a.turn }()
	p := req.Params
	if p.Mode == "url" || p.URL != "" {
		fmt.Fprintf(a.out, "The server asks you to open %s\n  %s\nPress Enter when done (!decline or !cancel otherwise): ", p.URL, p.Message)
		line, ok, err := a.line(ctx)
		switch {
		case err != nil:
			return nil, err
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
		line, ok, err := a.line(ctx)
		if err != nil {
			return nil, err
		}
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
			line, ok, err := a.line(ctx)
			switch {
			case err != nil:
				return nil, err
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

// line reads a line of the answer: false at the end of the input, ctx's
// error when it ends first (the line, when it comes, answers the next
// question).
func (a *asker) line(ctx context.Context) (string, bool, error) {
	a.start.Do(func() {
		a.lines = make(chan string)
		go func() {
			defer close(a.lines)
			in := bufio.NewReader(a.in)
			for {
				s, err := in.ReadString('\n')
				if s != "" || err == nil {
					a.lines <- s
				}
				if err != nil {
					return
				}
			}
		}()
	})
	select {
	case s, ok := <-a.lines:
		if !ok {
			fmt.Fprintln(a.out)
			return "", false, nil
		}
		return strings.TrimSpace(s), true, nil
	case <-ctx.Done():
		fmt.Fprintln(a.out)
		return "", false, ctx.Err()
	}
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
