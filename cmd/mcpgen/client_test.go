package main

import (
	"strings"
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

// --auth picks how HTTP targets authorize: oauth by default, bearer when
// a token or an Authorization header is given, none when asked; flags
// that contradict it are refused.
func TestAuthFlags(t *testing.T) {
	t.Setenv("MCPGEN_HEADERS", "")
	t.Setenv("MCPGEN_NO_BROWSER", "")
	for _, tc := range []struct {
		name   string
		f      targetFlags
		env    string // MCPGEN_BEARER
		login  bool
		header string // the Authorization header sent
		err    string
	}{
		{name: "default", login: true},
		{name: "default with --bearer", f: targetFlags{bearer: "t"}, header: "Bearer t"},
		{name: "default with MCPGEN_BEARER", env: "e", header: "Bearer e"},
		{name: "default with -H", f: targetFlags{headers: []string{"Authorization: Basic x"}}, header: "Basic x"},
		{name: "oauth", f: targetFlags{auth: "oauth"}, login: true},
		{name: "oauth ignores MCPGEN_BEARER", f: targetFlags{auth: "oauth"}, env: "e", login: true},
		{name: "oauth with --bearer", f: targetFlags{auth: "oauth", bearer: "t"}, err: "--bearer goes with --auth bearer"},
		{name: "oauth with -H", f: targetFlags{auth: "oauth", headers: []string{"Authorization: Bearer x"}}, err: "an Authorization header goes with --auth bearer"},
		{name: "bearer", f: targetFlags{auth: "bearer", bearer: "t"}, header: "Bearer t"},
		{name: "bearer from env", f: targetFlags{auth: "bearer"}, env: "e", header: "Bearer e"},
		{name: "bearer without token", f: targetFlags{auth: "bearer"}, err: "--auth bearer needs a token"},
		{name: "none", f: targetFlags{auth: "none"}, env: "e"},
		{name: "none with --bearer", f: targetFlags{auth: "none", bearer: "t"}, err: "--bearer goes with --auth bearer"},
		{name: "unknown", f: targetFlags{auth: "basic"}, err: `--auth "basic": want oauth, bearer or none`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("MCPGEN_BEARER", tc.env)
			tg, err := tc.f.target("http://127.0.0.1:1/mcp", nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tg.Login != nil) != tc.login || tg.Header.Get("Authorization") != tc.header {
				t.Errorf("login %v, Authorization %q; want login %v, %q", tg.Login != nil, tg.Header.Get("Authorization"), tc.login, tc.header)
			}
			if tg.Login != nil && !tg.Login.Browser {
				t.Error("no browser without --no-browser or MCPGEN_NO_BROWSER")
			}
		})
	}
	t.Setenv("MCPGEN_BEARER", "")
	for _, tc := range []struct {
		f   targetFlags
		env string
	}{{targetFlags{noBrowser: true}, ""}, {targetFlags{}, "1"}} {
		t.Setenv("MCPGEN_NO_BROWSER", tc.env)
		tg, err := tc.f.target("http://127.0.0.1:1/mcp", nil)
		if err != nil || tg.Login == nil || tg.Login.Browser {
			t.Errorf("--no-browser %v, MCPGEN_NO_BROWSER=%q: %+v, %v; want a login without a browser", tc.f.noBrowser, tc.env, tg.Login, err)
		}
	}
}
