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
