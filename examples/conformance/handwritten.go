package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/mcpgen/mcpgen/runtime"
)

// The components written by hand rather than generated: tools whose input
// schema says what struct tags cannot (the JSON Schema 2020-12 keywords of
// SEP-1613/SEP-2106, the x-mcp-header annotation of SEP-2243), and the
// transient tool and prompt the list-changed scenarios add and remove.

// handwritten returns the hand-written tools.
func handwritten() *runtime.Components {
	return &runtime.Components{Tools: []*runtime.Tool{
		{
			Name:        "json_schema_2020_12_tool",
			Description: "Tool with JSON Schema 2020-12 features ($schema, $defs with an $anchor, $ref, allOf/anyOf, if/then/else, additionalProperties) for conformance testing (SEP-1613, SEP-2106)",
			InputSchema: json.RawMessage(schema202012),
			Handler: func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
				return runtime.TextResult(fmt.Sprintf("JSON Schema 2020-12 tool called with: %s", args)), nil
			},
		},
		{
			Name:        "test_x_mcp_header",
			Description: "Mirrors its region argument into the Mcp-Param-Region header, which the server checks against the body (SEP-2243)",
			InputSchema: json.RawMessage(`{"type":"object","properties":{` +
				`"region":{"type":"string","description":"mirrored into Mcp-Param-Region","x-mcp-header":"Region"},` +
				`"level":{"type":"integer","description":"not mirrored"}}}`),
			Handler: func(_ context.Context, args json.RawMessage) (*runtime.CallToolResult, error) {
				var in struct {
					Region string `json:"region"`
				}
				if err := json.Unmarshal(args, &in); err != nil {
					return runtime.ArgumentsError(err), nil
				}
				return runtime.TextResult("region=" + in.Region), nil
			},
		},
	}}
}

// schema202012 is the input schema of json_schema_2020_12_tool.
const schema202012 = `{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"type": "object",
	"$defs": {
		"address": {
			"$anchor": "addressDef",
			"type": "object",
			"properties": {"street": {"type": "string"}, "city": {"type": "string"}}
		}
	},
	"properties": {
		"name": {"type": "string"},
		"address": {"$ref": "#/$defs/address"},
		"contactMethod": {"type": "string", "enum": ["phone", "email"]},
		"phone": {"type": "string"},
		"email": {"type": "string"}
	},
	"allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
	"if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
	"then": {"required": ["phone"]},
	"else": {"required": ["email"]},
	"additionalProperties": false
}`

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
