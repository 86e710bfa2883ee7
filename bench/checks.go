package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/mcpgen/mcpgen/bench/tools"
)

// CallParams are the params of the benchmarked tools/call: the search
// tool with explicit arguments, so that no server's default handling
// changes the answer.
var CallParams = []byte(`{"name":"search","arguments":{"query":"golang generics","limit":5,"tags":["go","mcp"]}}`)

// CallParamsModern are CallParams for the 2026-07-28 protocol, which has no
// initialize handshake: the request carries the protocol version, client
// info and capabilities in _meta (SEP-2575).
var CallParamsModern = []byte(`{"name":"search","arguments":{"query":"golang generics","limit":5,"tags":["go","mcp"]},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bench-load","version":"1.0.0"},"io.modelcontextprotocol/clientCapabilities":{}}}`)

// CheckCallModern is CheckCallQuick for a 2026-07-28 answer, which must
// also say that it is complete (resultType), so that no server can answer
// the request as the other era unnoticed.
func CheckCallModern(resp []byte) error {
	if err := CheckCallQuick(resp); err != nil {
		return err
	}
	if !bytes.Contains(resp, []byte(`"resultType":"complete"`)) {
		return fmt.Errorf("2026-07-28 result without resultType complete: %s", resp)
	}
	return nil
}

// wantSearch is what every server must answer to CallParams.
var wantSearch = func() tools.SearchResult {
	out, err := tools.Search(context.Background(), tools.SearchArgs{Query: "golang generics", Limit: 5, Tags: []string{"go", "mcp"}})
	if err != nil {
		panic(err)
	}
	return out
}()

var successMarker = []byte(`"structuredContent"`)

// CheckCallQuick is the check of every response in a measurement loop: a
// result, not an error, with structured content (which no error result
// has).
func CheckCallQuick(resp []byte) error {
	if !bytes.Contains(resp, successMarker) || bytes.Contains(resp, []byte(`"isError":true`)) {
		return fmt.Errorf("not a successful search result: %s", resp)
	}
	return nil
}

// CheckCall is the full check, made once per measurement before timing:
// the structured content and its text copy are both the expected result.
func CheckCall(resp []byte) error {
	var msg struct {
		Result *struct {
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent json.RawMessage `json:"structuredContent"`
			IsError           bool            `json:"isError"`
		} `json:"result"`
	}
	if err := json.Unmarshal(resp, &msg); err != nil {
		return fmt.Errorf("response %s: %v", resp, err)
	}
	if msg.Result == nil || msg.Result.IsError || len(msg.Result.Content) != 1 || msg.Result.Content[0].Type != "text" {
		return fmt.Errorf("not a successful search result: %s", resp)
	}
	var structured, text tools.SearchResult
	if err := json.Unmarshal(msg.Result.StructuredContent, &structured); err != nil {
		return fmt.Errorf("structured content of %s: %v", resp, err)
	}
	if err := json.Unmarshal([]byte(msg.Result.Content[0].Text), &text); err != nil {
		return fmt.Errorf("text content of %s: %v", resp, err)
	}
	if !reflect.DeepEqual(structured, wantSearch) || !reflect.DeepEqual(text, wantSearch) {
		return fmt.Errorf("wrong search result: %s", resp)
	}
	return nil
}

// ListedTools returns the tools of a tools/list response, each decoded,
// so that lists can be compared whatever their key order.
func ListedTools(resp []byte) ([]map[string]any, error) {
	var msg struct {
		Result *struct {
			Tools      []map[string]any `json:"tools"`
			NextCursor string           `json:"nextCursor"`
		} `json:"result"`
	}
	if err := json.Unmarshal(resp, &msg); err != nil {
		return nil, fmt.Errorf("response %.200s: %v", resp, err)
	}
	if msg.Result == nil {
		return nil, fmt.Errorf("not a tools/list result: %.200s", resp)
	}
	if msg.Result.NextCursor != "" {
		return nil, fmt.Errorf("tools/list answered with more than one page")
	}
	return msg.Result.Tools, nil
}
