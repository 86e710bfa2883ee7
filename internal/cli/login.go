package cli

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime/client"
)

// Login is how the CLI logs in to an HTTP server that asks for OAuth (a
// 401 with a WWW-Authenticate challenge): the authorization code flow of
// the MCP authorization specification in the user's browser, which the
// authorization server sends back to a listener on 127.0.0.1. Tokens and
// the dynamically registered client are kept in Dir, one file per server,
// refreshed when they expire and reused by the next command.
type Login struct {
	// Dir holds the stored logins; "" keeps tokens for this process only.
	Dir string
	// Browser opens the authorization URL in a browser, when there is
	// one; the URL is printed either way.
	Browser bool
	// Out gets the authorization URL and what the login is waiting for.
	Out io.Writer
	// Wait bounds the wait for the browser's redirect; 5 minutes if 0.
	Wait time.Duration
}

// callbackPath is where the loopback listener takes the redirect.
const callbackPath = "/callback"

// TokenDir is the default Login.Dir: mcpgen/tokens under the user's
// configuration directory (os.UserConfigDir: $XDG_CONFIG_HOME or
// ~/.config on Linux, ~/Library/Application Support on macOS, %AppData%
// on Windows).
func TokenDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "mcpgen", "tokens"), nil
}

// Store returns the file that keeps the login to serverURL, or nil when
// l keeps nothing: Dir/<the first 16 bytes of the SHA-256 of the URL,
// in hex>.json, the scheme and host lowercased and any fragment dropped.
func (l *Login) Store(serverURL string) *client.FileStore {
	if l == nil || l.Dir == "" {
		return nil
	}
	key := serverURL
	if u, err := url.Parse(serverURL); err == nil {
		u.Scheme, u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), "", ""
		key = u.String()
	}
	sum := sha256.Sum256([]byte(key))
	return &client.FileStore{Path: filepath.Join(l.Dir, hex.EncodeToString(sum[:16])+".json")}
}

// Logout removes the stored login to serverURL (a URL, or the name of a
// discovered server with a URL), and returns the file it removed, or ""
// if there was none.
func Logout(l *Login, target string) (string, error) {
	serverURL := target
	if !isURL(target) {
		serverURL = ""
		servers, _ := Discover(DefaultSources())
		for _, s := range servers {
			if s.Name == target && s.URL != "" {
				serverURL = s.URL
				break
			}
		}
		if serverURL == "" {
			return "", fmt.Errorf("%q is not an http(s) URL nor the name of a discovered server with one", target)
		}
	}
	store := l.Store(serverURL)
	if store == nil {
		return "", errors.New("no directory of stored logins (os.UserConfigDir: set HOME or XDG_CONFIG_HOME)")
	}
	removed, err := store.Remove()
	if err != nil {
		return "", fmt.Errorf("logging out of %s: %w", serverURL, err)
	}
	if !removed {
		return "", nil
	}
	return store.Path, nil
}

// oauth returns the OAuth configuration of a connection to serverURL,
// with its loopback listener, which the caller closes once the session
// ends. hold pauses the connect timeout while the user is in the browser
// and returns what resumes it.
func (l *Login) oauth(serverURL string, hold func() func()) (*client.OAuth, *loopback, error) {
	o := &client.OAuth{ClientName: "mcpgen", RefreshTokens: true}
	prefer := ""
	if store := l.Store(serverURL); store != nil {
		o.Store = store
		// A client registered before is registered with its redirect
		// URL: listen there again if the port is free.
		if a, err := store.Load(); err == nil && a != nil && a.Registered {
			prefer = a.RedirectURL
		}
	}
	lb, err := listenLoopback(prefer)
	if err != nil {
		return nil, nil, fmt.Errorf("listening for the OAuth redirect: %w", err)
	}
	o.RedirectURL = lb.url
	o.Authorize = lb.authorize(l, serverURL, hold)
	return o, lb, nil
}

// loopback receives the authorization server's redirect on 127.0.0.1
// (RFC 8252's loopback interface redirection) and hands the parameters to
// the pending authorization whose state they carry.
type loopback struct {
	ln  net.Listener
	srv *http.Server
	url string

	mu    sync.Mutex
	state string            // of the pending authorization; "" if none
	ch    chan<- url.Values // where its redirect goes
}

func listenLoopback(prefer string) (*loopback, error) {
	var ln net.Listener
	if u, err := url.Parse(prefer); err == nil && prefer != "" && u.Scheme == "http" && u.Hostname() == "127.0.0.1" && u.Port() != "" && u.Path == callbackPath {
		ln, _ = net.Listen("tcp", u.Host)
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
	}
	lb := &loopback{ln: ln, url: "http://" + ln.Addr().String() + callbackPath}
	lb.srv = &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go lb.srv.Serve(ln)
	return lb, nil
}

// Close stops listening (at once: the port is free when it returns) and
// closes the connections.
func (lb *loopback) Close() error {
	err := lb.ln.Close()
	lb.srv.Close()
	return err
}

func (lb *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != callbackPath || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	lb.mu.Lock()
	ch := lb.ch
	ok := lb.state != "" && subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(lb.state)) == 1
	if ok {
		lb.state, lb.ch = "", nil // one answer per authorization
	}
	lb.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, page("Not accepted", "This is not the answer to the login mcpgen is waiting for (no pending login, or the state does not match): it was ignored."))
		return
	}
	ch <- q
	if e := q.Get("error"); e != "" {
		io.WriteString(w, page("Login refused", "The authorization server answered "+e+". You can close this window."))
		return
	}
	io.WriteString(w, page("Logged in", "mcpgen is logged in. You can close this window and go back to the terminal."))
}

func page(title, text string) string {
	return "<!doctype html><title>mcpgen: " + html.EscapeString(title) + "</title><p>" + html.EscapeString(text) + "</p>\n"
}

// authorize returns the OAuth.Authorize of lb: it prints the
// authorization URL (and opens it in a browser if l says so), then waits
// for the redirect with the same state, at most l.Wait.
func (lb *loopback) authorize(l *Login, serverURL string, hold func() func()) func(context.Context, string) (url.Values, error) {
	return func(ctx context.Context, authURL string) (url.Values, error) {
		u, err := url.Parse(authURL)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("oauth: the authorization URL %q is not an http(s) URL", authURL)
		}
		state := u.Query().Get("state")
		if state == "" {
			return nil, errors.New("oauth: the authorization URL has no state")
		}
		wait := l.Wait
		if wait <= 0 {
			wait = 5 * time.Minute
		}
		ch := make(chan url.Values, 1)
		lb.mu.Lock()
		lb.state, lb.ch = state, ch
		lb.mu.Unlock()
		defer func() {
			lb.mu.Lock()
			lb.state, lb.ch = "", nil
			lb.mu.Unlock()
		}()
		out := l.Out
		if out == nil {
			out = io.Discard
		}
		fmt.Fprintf(out, "%s asks you to log in. Open this URL in a browser:\n\n  %s\n\n", serverURL, u.String())
		if l.Browser {
			if err := openBrowser(u.String()); err == nil {
				fmt.Fprintln(out, "(opened in your browser)")
			}
		}
		if l.Dir == "" {
			fmt.Fprintln(out, "The tokens will not be stored: there is no user configuration directory (set HOME or XDG_CONFIG_HOME).")
		}
		fmt.Fprintf(out, "Waiting up to %v for the browser to come back to %s ...\n", wait, lb.url)
		if hold != nil {
			defer hold()()
		}
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case q := <-ch:
			return q, nil
		case <-timer.C:
			return nil, fmt.Errorf("oauth: no login within %v (the browser did not come back to %s)", wait, lb.url)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// browserCommand is the command that opens url in the user's browser on
// goos, or nil where there is none to use: xdg-open needs a display on
// Linux and the BSDs, lest it start a text browser in the terminal.
func browserCommand(goos, url string, getenv func(string) string) []string {
	switch goos {
	case "darwin":
		return []string{"open", url}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			return nil
		}
		return []string{"xdg-open", url}
	}
	return nil
}

// openBrowser opens url in a browser, if there is one; the caller has
// printed it anyway.
func openBrowser(url string) error {
	argv := browserCommand(runtime.GOOS, url, os.Getenv)
	if argv == nil {
		return errors.New("no browser")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	cmd := exec.Command(path, argv[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}

// deniedSpy remembers whether the latest answer of an HTTP server was a
// refusal: 401 or 403.
type deniedSpy struct {
	mu   sync.Mutex
	code int
}

func (d *deniedSpy) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err == nil {
			d.mu.Lock()
			d.code = 0
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				d.code = resp.StatusCode
			}
			d.mu.Unlock()
		}
		return resp, err
	})
}

func (d *deniedSpy) status() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.code
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// deniedError says why connecting to a server that refused the requests
// failed, and what to do.
func deniedError(url string, code int, err error, login, authorization bool) error {
	status := fmt.Sprintf("%d %s", code, http.StatusText(code))
	switch {
	case code == http.StatusForbidden:
		return fmt.Errorf("connecting to %s: the server refused access (%s): %v", url, status, err)
	case login:
		return fmt.Errorf("connecting to %s: logging in: %v (a server that takes a token instead: --bearer TOKEN)", url, err)
	case authorization:
		return fmt.Errorf("connecting to %s: the server refused the token (%s): %v", url, status, err)
	}
	return fmt.Errorf("connecting to %s: the server asks for authorization (%s); log in with --auth oauth (the default for URLs) or give a token with --bearer: %v", url, status, err)
}
