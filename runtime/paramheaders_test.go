package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// headerSchema mirrors region (a string), level (an integer) and
// place.zone (nested) into Mcp-Param headers.
const headerSchema = `{"type":"object","properties":{
	"region":{"type":"string","x-mcp-header":"Region"},
	"level":{"type":"integer","x-mcp-header":"Level"},
	"place":{"type":"object","properties":{"zone":{"type":"string","x-mcp-header":"Zone"}}},
	"note":{"type":"string"}}}`

// A 2026-07-28 tools/call whose Mcp-Param headers disagree with the
// arguments they mirror is refused with HTTP 400 and -32020, on every HTTP
// configuration; one that agrees is served. Older requests carry no such
// headers and are not checked.
func TestParamHeaders(t *testing.T) {
	for _, opts := range []Options{{}, {Stateless: true}, {Stateless: true, JSONResponse: true}, {Stateless: true, JSONResponse: true, NoFastPath: true}} {
		t.Run(fmt.Sprintf("stateless=%v,json=%v,noFast=%v", opts.Stateless, opts.JSONResponse, opts.NoFastPath), func(t *testing.T) {
			s := NewServer(&Implementation{Name: "h", Version: "1"}, &opts)
			routed := &Tool{Name: "routed", Description: "d", InputSchema: json.RawMessage(headerSchema),
				Handler: func(_ context.Context, args json.RawMessage) (*CallToolResult, error) {
					return TextResult(string(args)), nil
				}}
			must(t, s.Add(&Components{Tools: []*Tool{routed, tool("plain", "", text("plain"))}}))
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(srv.Close)
			for _, c := range []struct {
				name, args string
				header     map[string]string
				ok         bool
			}{
				{"all agree", `{"region":"eu","level":3,"place":{"zone":"a"},"note":"x"}`, map[string]string{"Region": "eu", "Level": "3", "Zone": "a"}, true},
				{"absent arguments, no headers", `{"note":"x"}`, nil, true},
				{"null argument, no header", `{"region":null}`, nil, true},
				{"Base64 value", `{"region":"Hello"}`, map[string]string{"Region": "=?base64?SGVsbG8=?="}, true},
				{"prefix alone is literal", `{"region":"=?base64?SGVsbG8="}`, map[string]string{"Region": "=?base64?SGVsbG8="}, true},
				{"mismatch", `{"region":"eu"}`, map[string]string{"Region": "us"}, false},
				{"missing header", `{"region":"eu"}`, nil, false},
				{"header without argument", `{}`, map[string]string{"Region": "eu"}, false},
				{"bad Base64 padding", `{"region":"Hello"}`, map[string]string{"Region": "=?base64?SGVsbG8?="}, false},
				{"bad Base64 characters", `{"region":"Hello"}`, map[string]string{"Region": "=?base64?SGVs!!!bG8=?="}, false},
				{"integer mismatch", `{"level":3}`, map[string]string{"Level": "4"}, false},
				{"nested mismatch", `{"place":{"zone":"a"}}`, map[string]string{"Zone": "b"}, false},
				{"not a primitive", `{"region":["eu"]}`, map[string]string{"Region": "eu"}, false},
			} {
				t.Run(c.name, func(t *testing.T) {
					h := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "routed"}
					for k, v := range c.header {
						h["Mcp-Param-"+k] = v
					}
					body := `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"routed","arguments":` + c.args + `,` + modernMeta + `}}`
					a := post(t, srv.URL, fastCase{body: body, header: h})
					refused := a.status == http.StatusBadRequest && strings.Contains(a.raw, `"code":-32020`) && strings.Contains(a.raw, `"id":9`)
					if c.ok && (a.status != http.StatusOK || strings.Contains(a.raw, `"error"`)) || !c.ok && !refused {
						t.Errorf("want ok=%v: %d %s", c.ok, a.status, a.raw)
					}
				})
			}
			// A tool without bindings, and an older request, are not checked.
			a := post(t, srv.URL, fastCase{body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"plain","arguments":{},` + modernMeta + `}}`,
				header: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "plain", "Mcp-Param-Region": "x"}})
			if a.status != http.StatusOK || strings.Contains(a.raw, `"error"`) {
				t.Errorf("tool without bindings: %d %s", a.status, a.raw)
			}
		})
	}
}

func TestParamBindings(t *testing.T) {
	got := paramBindings(json.RawMessage(headerSchema))
	want := map[string]string{"region": "Region", "level": "Level", "place.zone": "Zone"}
	if len(got) != len(want) {
		t.Fatalf("bindings %v", got)
	}
	for _, b := range got {
		if want[strings.Join(b.path, ".")] != b.header {
			t.Errorf("binding %v", b)
		}
	}
	if paramBindings(json.RawMessage(objSchema)) != nil {
		t.Error("bindings in a schema without x-mcp-header")
	}
}
