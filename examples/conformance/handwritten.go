package main

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/mcpgen/mcpgen/runtime"
)

// The components written by hand rather than generated: the transient
// tool and prompt the list-changed scenarios add and remove.

// transient holds the tool and prompt that test_trigger_tool_change and
// test_trigger_prompt_change add and remove.
var transient = &transientProvider{d: runtime.NewDynamic(&runtime.Components{})}

type transientProvider struct {
	mu           sync.Mutex
	d            *runtime.Dynamic
	tool, prompt bool
}

// toggle adds the transient tool (or prompt) if absent, removes it if
// present: either way the list changes and clients are told.
func (p *transientProvider) toggle(tool bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if tool {
		p.tool = !p.tool
	} else {
		p.prompt = !p.prompt
	}
	c := &runtime.Components{}
	if p.tool {
		c.Tools = []*runtime.Tool{{Name: "transient_tool", Description: "A tool test_trigger_tool_change added",
			InputSchema: json.RawMessage(`{"type":"object","properties":{}}`),
			Handler: func(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult("transient"), nil
			}}}
	}
	if p.prompt {
		c.Prompts = []*runtime.Prompt{{Name: "transient_prompt", Description: "A prompt test_trigger_prompt_change added",
			Handler: func(context.Context, map[string]string) (*runtime.GetPromptResult, error) {
				return &runtime.GetPromptResult{Messages: []*runtime.PromptMessage{runtime.UserMessage(runtime.Text("transient"))}}, nil
			}}}
	}
	p.d.Set(c)
}
