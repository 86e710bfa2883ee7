//go:build linux

package attack

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Attacks on the authorization surface (issue 15), in each HTTP mode, on an
// attackserver behind runtime/auth's Require with components that have
// checks: oversized and forged tokens are refused before the body is read,
// checks hide what they should from whoever is not allowed, a check that
// panics or fails on every request neither crashes the server nor floods
// its log, and another principal's token cannot use a session.
func TestHTTPAuthAttacks(t *testing.T) {
	for _, mode := range httpModes {
		t.Run(mode.name, func(t *testing.T) {
			h := startHTTPEnv(t, []string{"ATTACK_AUTH=1"}, mode.args...)
			ctx := context.Background()
			base := h.stats(t).Goroutines
			bearer := func(token string) map[string]string {
				m := map[string]string{"Authorization": "Bearer " + token}
				for k, v := range h.session() {
					m[k] = v
				}
				return m
			}

			// 1. 64 concurrent requests with a token over the 16 KiB bound
			// and a 16 MiB body: 401 each, the body never read.
			var wg sync.WaitGroup
			var wrong atomic.Int64
			huge := strings.Repeat("x", 16<<10+1)
			body := strings.Repeat(" ", 16<<20)
			for range 64 {
				wg.Go(func() {
					head := fmt.Sprintf("POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", h.addr, huge, len(body))
					if status, err := rawRequest(h.addr, head, []byte(body)); err != nil || !strings.Contains(status, " 401 ") {
						wrong.Add(1)
						t.Logf("oversized token: %q %v", status, err)
					}
				})
			}
			wg.Wait()
			if n := wrong.Load(); n > 0 {
				t.Errorf("%d of 64 oversized tokens were not refused with 401", n)
			}
			h.alive("oversized tokens")
			h.checkRSS(mode.name + " oversized tokens")

			// 2. Forged tokens and malformed headers.
			for _, hdr := range []map[string]string{
				{"Authorization": "Bearer forged"},
				{"Authorization": "Bearer tok-admin extra"},
				{"Authorization": "Bearer "},
			} {
				for range 50 {
					if code, got, err := h.post(ctx, callBody(1, "admin_only"), hdr); err != nil || code != 401 && code != 400 {
						t.Fatalf("%v: %d %v %.200s", hdr, code, err, got)
					}
				}
			}

			// 3. Hidden from whoever is not allowed, listed and called by
			// the admin; the checks that panic or fail hide from everyone.
			for _, c := range []struct {
				who   map[string]string
				tools []string
			}{
				{h.session(), nil},
				{bearer("tok-user"), nil},
				{bearer("tok-admin"), []string{"admin_only"}},
			} {
				code, got, err := h.post(ctx, `{"jsonrpc":"2.0","id":5,"method":"tools/list"}`, c.who)
				if err != nil || code != 200 {
					t.Fatalf("list: %d %v %.200s", code, err, got)
				}
				for _, name := range []string{"admin_only", "check_panics", "check_fails"} {
					if listed := strings.Contains(got, `"name":"`+name+`"`); listed != (len(c.tools) > 0 && c.tools[0] == name) {
						t.Errorf("%v: %s listed: %v", c.who, name, listed)
					}
				}
			}
			if _, got, _ := h.post(ctx, callBody(6, "admin_only"), bearer("tok-user")); !strings.Contains(got, `unknown tool \"admin_only\"`) {
				t.Errorf("the user calls admin_only: %.300s", got)
			}
			if _, got, _ := h.post(ctx, callBody(7, "admin_only"), bearer("tok-admin")); !strings.Contains(got, "admin done") {
				t.Errorf("the admin calls admin_only: %.300s", got)
			}

			// 4. 300 lists, each running the panicking and the failing
			// check: the server lives, and logs each at most a few times.
			before := h.authLogs.Load()
			for i := range 300 {
				if code, _, err := h.post(ctx, `{"jsonrpc":"2.0","id":8,"method":"tools/list"}`, bearer("tok-admin")); err != nil || code != 200 {
					t.Fatalf("list %d: %d %v", i, code, err)
				}
			}
			h.alive("panicking checks")
			if n := h.authLogs.Load() - before; n > 4 {
				t.Errorf("300 lists logged %d lines about failing checks; want them rate limited", n)
			}

			// 5. A session opened by the admin refuses the user's token.
			if !h.stateless {
				sid := h.initializeAs(t, "tok-admin")
				if code, got, _ := h.post(ctx, callBody(9, "admin_only"), map[string]string{"Authorization": "Bearer tok-user", "Mcp-Session-Id": sid}); code != 403 {
					t.Errorf("the user on the admin's session: %d %.200s", code, got)
				}
				if code, got, _ := h.post(ctx, callBody(10, "admin_only"), map[string]string{"Mcp-Session-Id": sid}); code != 403 {
					t.Errorf("no token on the admin's session: %d %.200s", code, got)
				}
			}
			settle(t, "after the auth attacks", base, func() stats { return h.stats(t) })
			h.checkRSS(mode.name + " auth attacks")
		})
	}
}
