package main

import (
	"testing"
)

// Headers come from --header and --bearer, or from MCPGEN_HEADERS and
// MCPGEN_BEARER when the flags are absent.
func TestTargetHeaders(t *testing.T) {
	t.Setenv("MCPGEN_HEADERS", "X-One: 1\nX-Two: 2")
	t.Setenv("MCPGEN_BEARER", "env-token")
	var f targetFlags
	tg, err := f.target("http://127.0.0.1:1/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Header.Get("X-One") != "1" || tg.Header.Get("X-Two") != "2" || tg.Header.Get("Authorization") != "Bearer env-token" {
		t.Errorf("from env: %v", tg.Header)
	}
	f = targetFlags{headers: []string{"X-One: flag"}, bearer: "flag-token"}
	tg, err = f.target("http://127.0.0.1:1/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Header.Get("X-One") != "flag" || tg.Header.Get("X-Two") != "" || tg.Header.Get("Authorization") != "Bearer flag-token" {
		t.Errorf("flags win: %v", tg.Header)
	}
	f = targetFlags{headers: []string{"no colon"}}
	if _, err := f.target("x", nil); err == nil {
		t.Error("malformed header accepted")
	}
	f = targetFlags{env: []string{"NOEQUALS"}}
	if _, err := f.target("x", nil); err == nil {
		t.Error("malformed --env accepted")
	}
}
