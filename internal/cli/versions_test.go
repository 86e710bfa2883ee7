package cli

import (
	"slices"
	"testing"
)

// The spy reads the versions of a server/discover answer in each shape it
// arrives in, and reports nothing for answers that carry none.
func TestVersionSpyBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string // nil: not reported
	}{
		{"JSON result", `{"jsonrpc":"2.0","id":1,"result":{"supportedVersions":["2026-07-28","2025-11-25"],"capabilities":{}}}`,
			[]string{"2026-07-28", "2025-11-25"}},
		{"event stream", "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"supportedVersions\":[\"2025-11-25\"]}}\n\n",
			[]string{"2025-11-25"}},
		{"unsupported version error", `{"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"no","data":{"supported":["2025-06-18"],"requested":"2026-07-28"}}}`,
			[]string{"2025-06-18"}},
		{"method not found", `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`, nil},
		{"result without versions", `{"jsonrpc":"2.0","id":1,"result":{}}`, nil},
		{"not JSON", `<html>`, nil},
		{"truncated", `{"jsonrpc":"2.0","id":1,"result":{"supportedVersions":["20`, nil},
	} {
		var spy versionSpy
		spy.fromBody([]byte(tc.body))
		got, ok := spy.Supported()
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.name, got, ok, tc.want)
		}
	}
	var none *versionSpy
	if _, ok := none.Supported(); ok {
		t.Error("a session without a spy reported versions")
	}
}
