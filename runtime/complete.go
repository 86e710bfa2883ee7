package runtime

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// CompletionHandler suggests values for one argument of a prompt or one
// variable of a resource template, given what the user has typed so far
// (value) and the other arguments already chosen (args, may be nil).
type CompletionHandler func(ctx context.Context, value string, args map[string]string) ([]string, error)

// Completion attaches a CompletionHandler to a prompt argument (Prompt set)
// or a resource template variable (ResourceTemplate set).
type Completion struct {
	Prompt           string // prompt name
	ResourceTemplate string // URI template
	Argument         string // argument or template variable name
	Handler          CompletionHandler
}

func (c *Completion) key() string {
	if c.Prompt != "" {
		return "ref/prompt\x00" + c.Prompt + "\x00" + c.Argument
	}
	return "ref/resource\x00" + c.ResourceTemplate + "\x00" + c.Argument
}

func (c *Completion) String() string {
	if c.Prompt != "" {
		return fmt.Sprintf("completion of argument %q of prompt %q", c.Argument, c.Prompt)
	}
	return fmt.Sprintf("completion of variable %q of resource template %q", c.Argument, c.ResourceTemplate)
}

// maxCompletionValues is the most values one completion/complete answer
// may carry (MCP specification).
const maxCompletionValues = 100

// complete answers completion/complete: it finds the handler for the
// reference and argument, and trims its answer to 100 values, reporting the
// total and hasMore. A known prompt or template without a handler for the
// argument completes to nothing; an unknown one is an invalid-params error.
func (s *Server) complete(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	p := req.Params
	if p == nil || p.Ref == nil {
		return nil, InvalidParams("completion/complete needs a ref")
	}
	var key string
	s.mu.Lock()
	switch p.Ref.Type {
	case "ref/prompt":
		if len(s.prompts[p.Ref.Name]) == 0 {
			s.mu.Unlock()
			return nil, InvalidParams("unknown prompt %q", p.Ref.Name)
		}
		key = "ref/prompt\x00" + p.Ref.Name + "\x00" + p.Argument.Name
	case "ref/resource":
		if s.templates[p.Ref.URI] == nil && s.resources[p.Ref.URI] == nil {
			s.mu.Unlock()
			return nil, InvalidParams("unknown resource template %q", p.Ref.URI)
		}
		key = "ref/resource\x00" + p.Ref.URI + "\x00" + p.Argument.Name
	default:
		s.mu.Unlock()
		return nil, InvalidParams("unknown completion reference type %q", p.Ref.Type)
	}
	c := s.completions[key]
	s.mu.Unlock()
	out := &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}
	if c == nil {
		return out, nil
	}
	var args map[string]string
	if p.Context != nil {
		args = p.Context.Arguments
	}
	values, err := s.runCompletion(ctx, c, p.Argument.Value, args)
	if err != nil {
		return nil, err
	}
	if values == nil {
		values = []string{}
	}
	out.Completion.Total = len(values)
	if len(values) > maxCompletionValues {
		values, out.Completion.HasMore = values[:maxCompletionValues], true
	}
	out.Completion.Values = values
	return out, nil
}

// runCompletion calls a completion handler, containing a panic.
func (s *Server) runCompletion(ctx context.Context, c *Completion, value string, args map[string]string) (values []string, err error) {
	defer s.contain(&err, "completion", c.Prompt+c.ResourceTemplate)
	return c.Handler(ctx, value, args)
}
