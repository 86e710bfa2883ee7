package cli

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/client"
)

func getStatus(t *testing.T, method, u string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The loopback listener takes one redirect per authorization, the one
// with its state, on GET /callback only; anything else is refused and
// leaves the authorization waiting.
func TestLoopbackRefuses(t *testing.T) {
	lb, err := listenLoopback("")
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	if !strings.HasPrefix(lb.url, "http://127.0.0.1:") || !strings.HasSuffix(lb.url, "/callback") {
		t.Fatalf("redirect URL %s", lb.url)
	}
	if code := getStatus(t, "GET", lb.url+"?code=c&state=s"); code != http.StatusBadRequest {
		t.Errorf("a redirect with no authorization pending: %d", code)
	}
	authorize := lb.authorize(&Login{Out: io.Discard, Wait: time.Minute}, "http://127.0.0.1:1/mcp", nil)
	got := make(chan url.Values, 1)
	errs := make(chan error, 1)
	go func() {
		q, err := authorize(context.Background(), "http://127.0.0.1:1/authorize?state=the-state&client_id=c")
		got <- q
		errs <- err
	}()
	// Until the authorization is pending, the right state is refused too.
	for deadline := time.Now().Add(10 * time.Second); getStatus(t, "GET", lb.url+"?state=the-state&code=probe") != http.StatusOK; {
		if time.Now().After(deadline) {
			t.Fatal("the pending authorization never took its redirect")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if q, err := <-got, <-errs; err != nil || q.Get("code") != "probe" {
		t.Fatalf("authorize = %v, %v", q, err)
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "?state=the-state&code=again"}, // replayed: the authorization is over
		{"POST", "?state=the-state&code=c"},
		{"GET", "/../other?state=the-state"},
	} {
		if code := getStatus(t, tc.method, lb.url+tc.path); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("%s %s: %d", tc.method, tc.path, code)
		}
	}
}

// The wait for the browser is bounded, and an authorization URL that is
// not http(s) or has no state is refused before anything is printed or
// opened.
func TestLoopbackAuthorizeErrors(t *testing.T) {
	lb, err := listenLoopback("")
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	var out strings.Builder
	authorize := lb.authorize(&Login{Out: &out, Wait: 50 * time.Millisecond}, "http://127.0.0.1:1/mcp", nil)
	if _, err := authorize(context.Background(), "http://127.0.0.1:1/authorize?state=s"); err == nil || !strings.Contains(err.Error(), "no login within 50ms") {
		t.Errorf("err = %v", err)
	}
	if !strings.Contains(out.String(), "http://127.0.0.1:1/authorize?state=s") {
		t.Errorf("the URL was not printed:\n%s", out.String())
	}
	for _, u := range []string{"file:///etc/passwd?state=s", "javascript:alert(1)", "http://127.0.0.1:1/authorize", "http://127.0.0.1:1/a\x1b[2J?state=s"} {
		out.Reset()
		if _, err := authorize(context.Background(), u); err == nil {
			t.Errorf("%q: no error", u)
		}
		if out.Len() != 0 {
			t.Errorf("%q printed %q", u, out.String())
		}
	}
}

// A login listens again on the redirect URI its client was registered
// with when the port is free, and on a random port otherwise.
func TestLoopbackPrefers(t *testing.T) {
	first, err := listenLoopback("")
	if err != nil {
		t.Fatal(err)
	}
	busy, err := listenLoopback(first.url)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if busy.url == first.url {
		t.Errorf("listened on the busy %s", first.url)
	}
	first.Close()
	again, err := listenLoopback(first.url)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.url != first.url {
		t.Errorf("listened on %s, want the free %s", again.url, first.url)
	}
	for _, u := range []string{"http://0.0.0.0:1/callback", "http://example.com:1/callback", "https://127.0.0.1:1/callback", "http://127.0.0.1:1/other"} {
		lb, err := listenLoopback(u)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(lb.url, "http://127.0.0.1:") || lb.url == u {
			t.Errorf("prefer %s: listened on %s", u, lb.url)
		}
		lb.Close()
	}
}

func TestBrowserCommand(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	const u = "https://as.example/authorize?x=1&y=2"
	for _, tc := range []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"darwin", nil, "open " + u},
		{"windows", nil, "rundll32 url.dll,FileProtocolHandler " + u},
		{"linux", map[string]string{"DISPLAY": ":0"}, "xdg-open " + u},
		{"freebsd", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, "xdg-open " + u},
		{"linux", nil, ""}, // no display: printed only
		{"plan9", nil, ""},
	} {
		if got := strings.Join(browserCommand(tc.goos, u, env(tc.env)), " "); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.goos, tc.env, got, tc.want)
		}
	}
}

// One file per server URL, whatever the case of its scheme and host.
func TestLoginStore(t *testing.T) {
	home := t.TempDir() // no discovered servers
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("APPDATA", home)
	l := &Login{Dir: t.TempDir()}
	a, b := l.Store("http://127.0.0.1:8080/mcp"), l.Store("HTTP://127.0.0.1:8080/mcp#x")
	if a.Path != b.Path || filepath.Dir(a.Path) != l.Dir || !strings.HasSuffix(a.Path, ".json") || len(filepath.Base(a.Path)) != 32+5 {
		t.Errorf("paths %s and %s", a.Path, b.Path)
	}
	if c := l.Store("http://127.0.0.1:8080/other"); c.Path == a.Path {
		t.Error("two servers share a file")
	}
	if (&Login{}).Store("http://x/mcp") != nil {
		t.Error("a Login without Dir stores")
	}
	if _, err := Logout(l, "not-a-url-nor-a-server-name"); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("logout of an unknown name: %v", err)
	}
	if path, err := Logout(l, "http://127.0.0.1:8080/mcp"); path != "" || err != nil {
		t.Errorf("logout with nothing stored: %q, %v", path, err)
	}
	// A discovered server is logged out of by name.
	os.MkdirAll(filepath.Join(home, ".cursor"), 0o700)
	os.WriteFile(filepath.Join(home, ".cursor", "mcp.json"), []byte(`{"mcpServers":{"remote":{"url":"http://127.0.0.1:8080/mcp"}}}`), 0o600)
	if err := a.Save(&client.StoredAuth{TokenURL: "http://127.0.0.1:1/token"}); err != nil {
		t.Fatal(err)
	}
	if path, err := Logout(l, "remote"); path != a.Path || err != nil {
		t.Errorf("logout of a discovered name: %q, %v; want %s removed", path, err, a.Path)
	}
}

func TestDeniedError(t *testing.T) {
	cause := errors.New("cause")
	for _, tc := range []struct {
		code                 int
		login, authorization bool
		want                 string
	}{
		{401, false, false, "connecting to U: the server asks for authorization (401 Unauthorized); log in with --auth oauth (the default for URLs) or give a token with --bearer: cause"},
		{401, false, true, "connecting to U: the server refused the token (401 Unauthorized): cause"},
		{401, true, false, "connecting to U: logging in: cause (a server that takes a token instead: --bearer TOKEN)"},
		{403, true, false, "connecting to U: the server refused access (403 Forbidden): cause"},
	} {
		if got := deniedError("U", tc.code, cause, tc.login, tc.authorization).Error(); got != tc.want {
			t.Errorf("%d login=%v authorization=%v:\n got %s\nwant %s", tc.code, tc.login, tc.authorization, got, tc.want)
		}
	}
}
