package runtime

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestCompletionsTrimAndReport(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	err := s.Add(&Components{
		Prompts: []*Prompt{{Name: "p", Description: "a prompt", Arguments: []PromptArgument{{Name: "a"}, {Name: "b"}},
			Handler: func(context.Context, map[string]string) (*GetPromptResult, error) { return PromptText("", "x"), nil }}},
		Completions: []*Completion{{Prompt: "p", Argument: "a", Handler: func(_ context.Context, value string, args map[string]string) ([]string, error) {
			var out []string
			for i := range 150 {
				out = append(out, fmt.Sprintf("%s%03d%s", value, i, args["b"]))
			}
			return out, nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.Complete(ctx, &mcp.CompleteParams{
		Ref:      &mcp.CompleteReference{Type: "ref/prompt", Name: "p"},
		Argument: mcp.CompleteParamsArgument{Name: "a", Value: "v"},
		Context:  &mcp.CompleteContext{Arguments: map[string]string{"b": "!"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Completion
	if len(c.Values) != 100 || c.Total != 150 || !c.HasMore || c.Values[0] != "v000!" {
		t.Errorf("completion = %d values (first %q), total %d, hasMore %v", len(c.Values), c.Values[0], c.Total, c.HasMore)
	}
	// An argument without a handler completes to nothing.
	res, err = cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "p"}, Argument: mcp.CompleteParamsArgument{Name: "b"}})
	if err != nil || len(res.Completion.Values) != 0 {
		t.Errorf("b: %+v, %v", res, err)
	}
	// A completion is refused at Add time only when malformed or listed
	// twice by one provider; another provider's is shadowed.
	nop := func(context.Context, string, map[string]string) ([]string, error) { return []string{"shadowed"}, nil }
	if err := s.Add(&Components{Completions: []*Completion{{Prompt: "p", Argument: "a", Handler: nop}, {Prompt: "p", Argument: "a", Handler: nop}}}); err == nil ||
		!strings.Contains(err.Error(), "listed twice") {
		t.Errorf("duplicate completion: %v", err)
	}
	if err := s.Add(&Components{Completions: []*Completion{{Prompt: "p", Argument: "a", Handler: nop}}}); err != nil {
		t.Errorf("shadowed completion: %v", err)
	}
	res, err = cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "p"}, Argument: mcp.CompleteParamsArgument{Name: "a", Value: "v00"}})
	if err != nil || len(res.Completion.Values) == 0 || res.Completion.Values[0] == "shadowed" {
		t.Errorf("the first completion added should win: %+v, %v", res, err)
	}
	if err := s.Add(&Components{Completions: []*Completion{{Argument: "a"}}}); err == nil {
		t.Error("completion without handler or target accepted")
	}
}

// Outside a component call, input helpers fail clearly instead of
// blocking or panicking.
func TestInputOutsideCall(t *testing.T) {
	if _, err := Elicit(context.Background(), "k", &ElicitParams{Message: "m"}); err == nil || !strings.Contains(err.Error(), "outside a component call") {
		t.Errorf("Elicit outside a call: %v", err)
	}
	if err := NotifyResourceUpdated(context.Background(), "x://y"); err != nil {
		t.Errorf("NotifyResourceUpdated outside a call: %v", err)
	}
}

// A client picks a component version with _meta {"mcpgen": {"version": ...}};
// without it the highest version answers, and an unknown one is an error.
func TestVersionSelection(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	if err := s.Add(&Components{Tools: []*Tool{tool("v", "1.0", text("one")), tool("v", "2.0", text("two"))}}); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for version, want := range map[string]string{"": "two", "1.0": "one", "2.0": "two"} {
		p := &mcp.CallToolParams{Name: "v"}
		if version != "" {
			p.Meta = mcp.Meta{"mcpgen": map[string]any{"version": version}}
		}
		res, err := cs.CallTool(ctx, p)
		if err != nil || resultText(res) != want {
			t.Errorf("version %q: %v %q", version, err, resultText(res))
		}
	}
	_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "v", Meta: mcp.Meta{"mcpgen": map[string]any{"version": "3.0"}}})
	if err == nil || !strings.Contains(err.Error(), `unknown tool "v" version 3.0`) {
		t.Errorf("unknown version: %v", err)
	}
}
