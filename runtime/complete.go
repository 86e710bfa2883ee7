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
// reference and argument in the request's view, and trims its answer to
// 100 values, reporting the total and hasMore. A visible prompt or
// template without a handler for the argument completes to nothing; an
// unknown or hidden one is an invalid-params error.
func (s *Server) complete(ctx context.Context, r *Request) (*mcp.CompleteResult, error) {
	p := r.Complete
	if p == nil || p.Ref == nil {
		return nil, InvalidParams("completion/complete needs a ref")
	}
	if p.Argument.Name == "" {
		return nil, InvalidParams("completion/complete needs argument.name")
	}
	v := r.view
	var key string
	switch p.Ref.Type {
	case "ref/prompt":
		if v.prompt(p.Ref.Name, "") == nil {
			return nil, InvalidParams("unknown prompt %q", p.Ref.Name)
		}
		key = "ref/prompt\x00" + p.Ref.Name + "\x00" + p.Argument.Name
	case "ref/resource":
		if v.template(p.Ref.URI, "") == nil && v.resource(p.Ref.URI, "") == nil {
			return nil, InvalidParams("unknown resource template %q", p.Ref.URI)
		}
		key = "ref/resource\x00" + p.Ref.URI + "\x00" + p.Argument.Name
	default:
		return nil, InvalidParams("unknown completion reference type %q", p.Ref.Type)
	}
	c := v.snap.completions[key]
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
	defer s.contain(ctx, &err, "completion", c.Prompt+c.ResourceTemplate)
	return c.Handler(ctx, value, args)
}
