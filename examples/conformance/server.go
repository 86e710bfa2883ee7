package main

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// The media every reference implementation of the suite serves.
var (
	redPixel, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
	tinyWAV, _  = base64.StdEncoding.DecodeString("UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=")
)

// TestSimpleText returns a simple text response.
//
//mcp:tool readonly
func TestSimpleText(ctx context.Context) string {
	return "This is a simple text response for testing."
}

// TestImageContent returns a one-pixel red PNG.
//
//mcp:tool readonly mime=image/png
func TestImageContent(ctx context.Context) ([]byte, error) { return redPixel, nil }

// TestAudioContent returns a minimal WAV file.
//
//mcp:tool readonly mime=audio/wav
func TestAudioContent(ctx context.Context) ([]byte, error) { return tinyWAV, nil }

// TestEmbeddedResource returns an embedded text resource.
//
//mcp:tool readonly
func TestEmbeddedResource(ctx context.Context) (runtime.Content, error) {
	return runtime.EmbeddedText("test://embedded-resource", "text/plain", "This is an embedded resource content."), nil
}

// TestMultipleContentTypes returns text, an image and an embedded resource.
//
//mcp:tool readonly
func TestMultipleContentTypes(ctx context.Context) ([]runtime.Content, error) {
	return []runtime.Content{
		runtime.Text("Multiple content types test:"),
		runtime.Image(redPixel, "image/png"),
		runtime.EmbeddedText("test://mixed-content-resource", "application/json", `{"test":"data","value":123}`),
	}, nil
}

// TestToolWithLogging sends three log messages while it runs.
//
//mcp:tool
func TestToolWithLogging(ctx context.Context) (string, error) {
	steps := []string{"Tool execution started", "Tool processing data", "Tool execution completed"}
	for i, msg := range steps {
		if i > 0 {
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return "", err
			}
		}
		if err := runtime.Log(ctx, slog.LevelInfo, msg, nil); err != nil {
			return "", err
		}
	}
	return "Tool with logging executed successfully", nil
}

// TestErrorHandling always fails, to show a tool error result.
//
//mcp:tool
func TestErrorHandling(ctx context.Context) (string, error) {
	return "", errors.New("This tool intentionally returns an error for testing")
}

// TestToolWithProgress reports progress 0, 50 and 100 out of 100.
//
//mcp:tool
func TestToolWithProgress(ctx context.Context) (string, error) {
	for i, p := range []float64{0, 50, 100} {
		if i > 0 {
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return "", err
			}
		}
		if err := runtime.Progress(ctx, p, 100, fmt.Sprintf("Completed step %d of 3", i+1)); err != nil {
			return "", err
		}
	}
	return "Tool with progress executed successfully", nil
}

// SamplingArgs are the arguments of test_sampling.
type SamplingArgs struct {
	Prompt string `json:"prompt" mcp:"desc=The prompt to send to the client's model"`
}

// TestSampling asks the client's model to answer a prompt.
//
//mcp:tool
func TestSampling(ctx context.Context, in SamplingArgs) (string, error) {
	res, err := runtime.Sample(ctx, "answer", &runtime.CreateMessageParams{
		Messages:  []*runtime.SamplingMessage{{Role: "user", Content: runtime.Text(in.Prompt)}},
		MaxTokens: 100,
	})
	if err != nil {
		return "", err
	}
	return "LLM response: " + runtime.SampledText(res), nil
}

// ElicitationArgs are the arguments of test_elicitation.
type ElicitationArgs struct {
	Message string `json:"message" mcp:"desc=The message shown to the user"`
}

// userInfoSchema asks for a user name and an email address.
const userInfoSchema = `{"type":"object","properties":{"username":{"type":"string","description":"User's response"},"email":{"type":"string","description":"User's email address"}},"required":["username","email"]}`

// TestElicitation asks the user for a name and an email address.
//
//mcp:tool
func TestElicitation(ctx context.Context, in ElicitationArgs) (string, error) {
	res, err := runtime.Elicit(ctx, "user_info", &runtime.ElicitParams{Message: in.Message, RequestedSchema: json.RawMessage(userInfoSchema)})
	if err != nil {
		return "", err
	}
	return "User response: " + describe(res), nil
}

// defaultsSchema has a default for every primitive type (SEP-1034).
const defaultsSchema = `{"type":"object","properties":{` +
	`"name":{"type":"string","description":"User name","default":"John Doe"},` +
	`"age":{"type":"integer","description":"User age","default":30},` +
	`"score":{"type":"number","description":"User score","default":95.5},` +
	`"status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},` +
	`"verified":{"type":"boolean","description":"Verification status","default":true}}}`

// TestElicitationDefaults asks for input with a default for every field.
//
//mcp:tool name=test_elicitation_sep1034_defaults
func TestElicitationDefaults(ctx context.Context) (string, error) {
	res, err := runtime.Elicit(ctx, "defaults", &runtime.ElicitParams{
		Message: "Please review and update the form fields with defaults", RequestedSchema: json.RawMessage(defaultsSchema)})
	if err != nil {
		return "", err
	}
	return "Elicitation completed: " + describe(res), nil
}

// enumsSchema has each enum form of SEP-1330.
const enumsSchema = `{"type":"object","properties":{` +
	`"untitledSingle":{"type":"string","description":"Choose an option","enum":["option1","option2","option3"]},` +
	`"titledSingle":{"type":"string","description":"Choose a titled option","oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},` +
	`"legacyEnum":{"type":"string","description":"Choose a legacy option","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},` +
	`"untitledMulti":{"type":"array","description":"Choose multiple options","items":{"type":"string","enum":["option1","option2","option3"]}},` +
	`"titledMulti":{"type":"array","description":"Choose multiple titled options","items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}}}`

// TestElicitationEnums asks for input with every kind of enum.
//
//mcp:tool name=test_elicitation_sep1330_enums
func TestElicitationEnums(ctx context.Context) (string, error) {
	res, err := runtime.Elicit(ctx, "enums", &runtime.ElicitParams{
		Message: "Please select options from the enum fields", RequestedSchema: json.RawMessage(enumsSchema)})
	if err != nil {
		return "", err
	}
	return "Elicitation completed: " + describe(res), nil
}

func describe(res *runtime.ElicitResult) string {
	content, _ := json.Marshal(res.Content)
	return fmt.Sprintf("action=%s, content=%s", res.Action, content)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// schema202012 is the input schema of json_schema_2020_12_tool, written by
// hand: JSON Schema 2020-12 says what struct tags cannot (SEP-1613,
// SEP-2106), and clients get it untouched.
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

// Contact are the arguments of json_schema_2020_12_tool.
//
//mcp:schema schema202012
type Contact struct {
	Name          string   `json:"name,omitempty"`
	Address       *Address `json:"address,omitempty"`
	ContactMethod string   `json:"contactMethod,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	Email         string   `json:"email,omitempty"`
}

// Address is a street address.
type Address struct {
	Street string `json:"street,omitempty"`
	City   string `json:"city,omitempty"`
}

// JSONSchema202012 takes arguments described with JSON Schema 2020-12
// features: $schema, $defs with an $anchor, $ref, allOf/anyOf,
// if/then/else and additionalProperties (SEP-1613, SEP-2106).
//
//mcp:tool name=json_schema_2020_12_tool
func JSONSchema202012(ctx context.Context, in Contact) (string, error) {
	js, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("JSON Schema 2020-12 tool called with: %s", js), nil
}

// regionHeader is the schema of test_x_mcp_header's region: a client
// mirrors it into the Mcp-Param-Region header, which the server checks
// against the argument (SEP-2243).
const regionHeader = `{"type":"string","description":"mirrored into Mcp-Param-Region","x-mcp-header":"Region"}`

// XMcpHeaderArgs are the arguments of test_x_mcp_header.
type XMcpHeaderArgs struct {
	Region string `json:"region,omitempty" mcp:"schema=regionHeader"`
	Level  int    `json:"level,omitempty" mcp:"desc=not mirrored"`
}

// TestXMcpHeader mirrors its region argument into the Mcp-Param-Region
// header, which the server checks against the body (SEP-2243).
//
//mcp:tool name=test_x_mcp_header
func TestXMcpHeader(ctx context.Context, in XMcpHeaderArgs) (string, error) {
	return "region=" + in.Region, nil
}

// TestReconnection closes its SSE stream mid-call and answers after the
// client reconnected, resuming the stream with Last-Event-ID (SEP-1699).
//
//mcp:tool
func TestReconnection(ctx context.Context) (string, error) {
	runtime.CloseSSEStream(ctx, 10*time.Millisecond)
	if err := sleep(ctx, 100*time.Millisecond); err != nil {
		return "", err
	}
	return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.", nil
}

// StaticText is a static text resource.
//
//mcp:resource uri=test://static-text mime=text/plain
func StaticText(ctx context.Context) (string, error) {
	return "This is the content of the static text resource.", nil
}

// StaticBinary is a static binary resource: a one-pixel PNG.
//
//mcp:resource uri=test://static-binary mime=image/png
func StaticBinary(ctx context.Context) ([]byte, error) { return redPixel, nil }

// TemplateData is what test://template/{id}/data holds.
type TemplateData struct {
	ID           string `json:"id"`
	TemplateTest bool   `json:"templateTest"`
	Data         string `json:"data"`
}

// Template is a resource template with one variable.
//
//mcp:resource uri=test://template/{id}/data mime=application/json
func Template(ctx context.Context, id string) (TemplateData, error) {
	return TemplateData{ID: id, TemplateTest: true, Data: "Data for ID: " + id}, nil
}

// Watched is a resource clients subscribe to.
//
//mcp:resource uri=test://watched-resource mime=text/plain
func Watched(ctx context.Context) (string, error) { return "Watched resource content", nil }

// TestSimplePrompt is a prompt without arguments.
//
//mcp:prompt
func TestSimplePrompt(ctx context.Context) (string, error) {
	return "This is a simple prompt for testing.", nil
}

// PromptArgs are the arguments of test_prompt_with_arguments.
type PromptArgs struct {
	Arg1 string `json:"arg1" mcp:"desc=First test argument"`
	Arg2 string `json:"arg2" mcp:"desc=Second test argument"`
}

// TestPromptWithArguments is a prompt with two required arguments.
//
//mcp:prompt
func TestPromptWithArguments(ctx context.Context, in PromptArgs) (string, error) {
	return fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", in.Arg1, in.Arg2), nil
}

// CompleteArg1 completes arg1 of test_prompt_with_arguments.
//
//mcp:complete prompt=test_prompt_with_arguments arg=arg1
func CompleteArg1(ctx context.Context, value string) ([]string, error) {
	var out []string
	for _, v := range []string{"test", "testing", "tested", "value", "valuable"} {
		if strings.HasPrefix(v, value) {
			out = append(out, v)
		}
	}
	return out, nil
}

// EmbeddedArgs are the arguments of test_prompt_with_embedded_resource.
type EmbeddedArgs struct {
	ResourceURI string `json:"resourceUri" mcp:"desc=URI of the resource to embed"`
}

// TestPromptWithEmbeddedResource is a prompt that embeds a resource.
//
//mcp:prompt
func TestPromptWithEmbeddedResource(ctx context.Context, in EmbeddedArgs) ([]*runtime.PromptMessage, error) {
	return []*runtime.PromptMessage{
		runtime.UserMessage(runtime.EmbeddedText(in.ResourceURI, "text/plain", "Embedded resource content for testing.")),
		runtime.UserMessage(runtime.Text("Please process the embedded resource above.")),
	}, nil
}

// TestPromptWithImage is a prompt holding an image.
//
//mcp:prompt
func TestPromptWithImage(ctx context.Context) ([]*runtime.PromptMessage, error) {
	return []*runtime.PromptMessage{
		runtime.UserMessage(runtime.Image(redPixel, "image/png")),
		runtime.UserMessage(runtime.Text("Please analyze the image above.")),
	}, nil
}

// Multi round-trip requests (SEP-2322): each tool asks for input with
// runtime.Elicit, runtime.Sample or runtime.Roots. A 2026-07-28 client
// gets the requests in an input_required result with a signed
// requestState and calls again with the answers; older clients are asked
// over their session.

// nameSchema asks for a name.
const nameSchema = `{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`

// okSchema asks for a confirmation.
const okSchema = `{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}`

// askName elicits the caller's name under key.
func askName(ctx context.Context, key, message string) (string, error) {
	res, err := runtime.Elicit(ctx, key, &runtime.ElicitParams{Message: message, RequestedSchema: json.RawMessage(nameSchema)})
	if err != nil {
		return "", err
	}
	name, _ := res.Content["name"].(string)
	if res.Action != "accept" || name == "" {
		return "", fmt.Errorf("no name given (%s)", res.Action)
	}
	return name, nil
}

// askGreeting samples a greeting under key.
func askGreeting(ctx context.Context, key, prompt string, maxTokens int64) (string, error) {
	res, err := runtime.Sample(ctx, key, &runtime.CreateMessageParams{
		Messages: []*runtime.SamplingMessage{{Role: "user", Content: runtime.Text(prompt)}}, MaxTokens: maxTokens})
	if err != nil {
		return "", err
	}
	return runtime.SampledText(res), nil
}

// describeRoots lists the URIs of a roots answer.
func describeRoots(res *runtime.ListRootsResult) string {
	uris := make([]string, 0, len(res.Roots))
	for _, r := range res.Roots {
		uris = append(uris, r.URI)
	}
	return fmt.Sprintf("%d root(s): %s", len(res.Roots), strings.Join(uris, ", "))
}

// TestInputRequiredResultElicitation asks for the caller's name through an
// in-band elicitation.
//
//mcp:tool
func TestInputRequiredResultElicitation(ctx context.Context) (string, error) {
	name, err := askName(ctx, "user_name", "What is your name?")
	if err != nil {
		return "", err
	}
	return "Hello, " + name + "!", nil
}

// TestInputRequiredResultSampling asks the client's model a question
// through an in-band sampling request.
//
//mcp:tool
func TestInputRequiredResultSampling(ctx context.Context) (string, error) {
	text, err := askGreeting(ctx, "capital_question", "What is the capital of France?", 100)
	if err != nil {
		return "", err
	}
	return "Sampling response: " + text, nil
}

// TestInputRequiredResultListRoots asks for the client's roots through an
// in-band roots/list request.
//
//mcp:tool
func TestInputRequiredResultListRoots(ctx context.Context) (string, error) {
	res, err := runtime.Roots(ctx, "client_roots")
	if err != nil {
		return "", err
	}
	return "Client exposed " + describeRoots(res), nil
}

// TestInputRequiredResultRequestState asks for a confirmation; the answer
// comes back with the signed requestState, which the runtime verifies
// before this handler runs again.
//
//mcp:tool
func TestInputRequiredResultRequestState(ctx context.Context) (string, error) {
	res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Please confirm", RequestedSchema: json.RawMessage(okSchema)})
	if err != nil {
		return "", err
	}
	return "state-ok: requestState verified, confirmation " + string(res.Action), nil
}

// TestInputRequiredResultMultipleInputs asks for a name, a greeting and the
// client's roots in one round.
//
//mcp:tool
func TestInputRequiredResultMultipleInputs(ctx context.Context) (string, error) {
	name, errName := askName(ctx, "user_name", "What is your name?")
	greeting, errGreeting := askGreeting(ctx, "greeting", "Generate a greeting", 50)
	roots, errRoots := runtime.Roots(ctx, "client_roots")
	if err := errors.Join(errName, errGreeting, errRoots); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s, %s visible", greeting, name, describeRoots(roots)), nil
}

// colorSchema asks for a favourite colour.
const colorSchema = `{"type":"object","properties":{"color":{"type":"string"}},"required":["color"]}`

// TestInputRequiredResultMultiRound asks in two rounds: a name, then a
// favourite colour.
//
//mcp:tool
func TestInputRequiredResultMultiRound(ctx context.Context) (string, error) {
	name, err := askName(ctx, "step1", "Step 1: What is your name?")
	if err != nil {
		return "", err
	}
	res, err := runtime.Elicit(ctx, "step2", &runtime.ElicitParams{Message: "Step 2: What is your favorite color?", RequestedSchema: json.RawMessage(colorSchema)})
	if err != nil {
		return "", err
	}
	color, _ := res.Content["color"].(string)
	return fmt.Sprintf("Multi-round complete: %s likes %s", name, color), nil
}

// TestInputRequiredResultTamperedState asks for a confirmation; a retry
// whose requestState fails the runtime's signature check is refused
// before this handler runs.
//
//mcp:tool
func TestInputRequiredResultTamperedState(ctx context.Context) (string, error) {
	res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Please confirm", RequestedSchema: json.RawMessage(okSchema)})
	if err != nil {
		return "", err
	}
	return "state-ok: requestState verified, confirmation " + string(res.Action), nil
}

// TestInputRequiredResultCapabilities asks only for the input the client
// declared capabilities for: a name, a greeting, its roots.
//
//mcp:tool
func TestInputRequiredResultCapabilities(ctx context.Context) (string, error) {
	_, errName := askName(ctx, "user_name", "What is your name?")
	_, errGreeting := askGreeting(ctx, "greeting", "Generate a short greeting", 50)
	_, errRoots := runtime.Roots(ctx, "client_roots")
	var pending []error
	for _, err := range []error{errName, errGreeting, errRoots} {
		if !errors.Is(err, runtime.ErrMissingCapability) {
			pending = append(pending, err)
		}
	}
	if len(pending) == 0 {
		return "No declared client capability supports an in-band input request", nil
	}
	if err := errors.Join(pending...); err != nil {
		return "", err
	}
	return "Capability-aware input requests fulfilled", nil
}

// contextSchema asks for the context of a prompt.
const contextSchema = `{"type":"object","properties":{"context":{"type":"string"}},"required":["context"]}`

// TestInputRequiredResultPrompt is a prompt that asks for its context
// through an in-band elicitation.
//
//mcp:prompt
func TestInputRequiredResultPrompt(ctx context.Context) (string, error) {
	res, err := runtime.Elicit(ctx, "user_context", &runtime.ElicitParams{Message: "What context should the prompt use?", RequestedSchema: json.RawMessage(contextSchema)})
	if err != nil {
		return "", err
	}
	c, _ := res.Content["context"].(string)
	return "Context: " + c, nil
}

// Diagnostic tools of the stateless (2026-07-28) scenarios (SEP-2575).

// TestMissingCapability needs the sampling capability: a client that did
// not declare it gets MissingRequiredClientCapabilities (-32021).
//
//mcp:tool
func TestMissingCapability(ctx context.Context) (string, error) {
	text, err := askGreeting(ctx, "probe", "Say hello", 10)
	if err != nil {
		return "", err
	}
	return "Client declared the sampling capability and answered: " + text, nil
}

// TestStreamingElicitation asks for a confirmation while the call is in
// flight: a 2026-07-28 client gets it in the result, never as an
// independent request on the response stream.
//
//mcp:tool
func TestStreamingElicitation(ctx context.Context) (string, error) {
	res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{Message: "Continue?", RequestedSchema: json.RawMessage(okSchema)})
	if err != nil {
		return "", err
	}
	return "confirmation " + string(res.Action), nil
}

// TestLoggingTool sends a log message, which the client receives only if
// it asked for logs.
//
//mcp:tool
func TestLoggingTool(ctx context.Context) (string, error) {
	if err := runtime.Log(ctx, slog.LevelInfo, "test_logging_tool executed", nil); err != nil {
		return "", err
	}
	return "Log attempted; sent only at the level the client asked for.", nil
}

// TestTriggerToolChange adds or removes a transient tool, so that clients
// are told the tool list changed.
//
//mcp:tool
func TestTriggerToolChange(ctx context.Context) (string, error) {
	transient.toggle(true)
	return "tools list changed", nil
}

// TestTriggerPromptChange adds or removes a transient prompt, so that
// clients are told the prompt list changed.
//
//mcp:tool
func TestTriggerPromptChange(ctx context.Context) (string, error) {
	transient.toggle(false)
	return "prompts list changed", nil
}

// The tasks extension's fixtures (tasks-* scenarios, SEP-2663). The
// protocol error job and the tool that asks before its task are written
// by hand (tasks.go).

// GreetArgs are the arguments of greet.
type GreetArgs struct {
	Name string `json:"name"`
}

// Greet greets someone, never as a task.
//
//mcp:tool task=forbidden
func Greet(ctx context.Context, in GreetArgs) (string, error) {
	return "Hello, " + in.Name + "!", nil
}

// SlowComputeArgs are the arguments of slow_compute.
type SlowComputeArgs struct {
	Seconds float64 `json:"seconds" mcp:"min=0,max=3600"`
	Label   string  `json:"label"`
}

// SlowCompute sleeps for the given seconds, then answers; cancelled, it
// stops at once.
//
//mcp:tool task=optional idempotent
func SlowCompute(ctx context.Context, in SlowComputeArgs) (string, error) {
	runtime.Progress(ctx, 0, in.Seconds, "computing "+in.Label)
	if err := sleep(ctx, time.Duration(in.Seconds*float64(time.Second))); err != nil {
		return "", err
	}
	return fmt.Sprintf("computed %s in %gs", in.Label, in.Seconds), nil
}

// FailingJob fails after a second, as a tool error; it runs only as a
// task.
//
//mcp:tool task=required
func FailingJob(ctx context.Context) (string, error) {
	if err := sleep(ctx, time.Second); err != nil {
		return "", err
	}
	return "", errors.New("the job failed")
}

// ConfirmDeleteArgs are the arguments of confirm_delete.
type ConfirmDeleteArgs struct {
	Filename string `json:"filename"`
}

// ConfirmDelete asks the user to confirm a deletion, then says what it
// did.
//
//mcp:tool task=optional
func ConfirmDelete(ctx context.Context, in ConfirmDeleteArgs) (string, error) {
	res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{
		Message:         "Delete " + in.Filename + "?",
		RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"confirm": map[string]any{"type": "boolean"}}},
	})
	if err != nil {
		return "", err
	}
	if res.Action == "accept" && res.Content["confirm"] == true {
		return "deleted " + in.Filename, nil
	}
	return "kept " + in.Filename, nil
}

// MultiInput asks two questions at once.
//
//mcp:tool task=optional
func MultiInput(ctx context.Context) (string, error) {
	schema := map[string]any{"type": "object", "properties": map[string]any{"answer": map[string]any{"type": "string"}}}
	first, errFirst := runtime.Elicit(ctx, "first", &runtime.ElicitParams{Message: "First question?", RequestedSchema: schema})
	second, errSecond := runtime.Elicit(ctx, "second", &runtime.ElicitParams{Message: "Second question?", RequestedSchema: schema})
	if err := errors.Join(errFirst, errSecond); err != nil {
		return "", err
	}
	return fmt.Sprintf("first: %s, second: %s", first.Action, second.Action), nil
}
