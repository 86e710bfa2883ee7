// Command authserver runs the MCP conformance suite's authorization
// server scenarios (`conformance authorization`) against
// runtime/auth/oauthproxy, on 127.0.0.1: it starts an upstream provider
// that approves at once, the proxy in front of it with a public static
// client for the harness, and the harness (the command after --, given
// --url, --client-id, --resource, -p and -o). The harness prints an
// authorization URL for a user to open; this program plays the user's
// browser (cookie jar, consent page, upstream sign-in) and lands on the
// harness's callback. It prints one line per scenario and exits 1 if a
// check failed, was skipped, or a scenario passed without a successful
// check.
//
//	go run ./examples/conformance/authserver -- node .../conformance/dist/index.js
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime/auth/oauthproxy"
)

const clientID = "conformance-client"

func main() {
	timeout := flag.Duration("timeout", 2*time.Minute, "bound on the whole run")
	verbose := flag.Bool("v", false, "log the proxy's decisions")
	flag.Parse()
	harness := flag.Args()
	if len(harness) == 0 {
		log.Fatal("usage: authserver [-timeout D] [-v] -- HARNESS-COMMAND...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, harness, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "authserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, harness []string, verbose bool) error {
	upstream, err := startUpstream()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String()
	logger := slog.New(slog.DiscardHandler)
	if verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	p, err := oauthproxy.New(oauthproxy.Config{
		Issuer:   issuer,
		Resource: issuer + "/mcp",
		Upstream: oauthproxy.Upstream{AuthorizationURL: upstream.url + "/authorize", TokenURL: upstream.url + "/token",
			ClientID: upstream.clientID, ClientSecret: upstream.secret},
		Clients:                []oauthproxy.Client{{ID: clientID, Name: "MCP conformance harness", RedirectURIs: []string{"http://127.0.0.1/callback"}}},
		AllowLoopbackRedirects: true,
		Logger:                 logger,
	})
	if err != nil {
		return err
	}
	upstream.redirect = issuer + "/auth/callback"
	go (&http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second}).Serve(ln)

	cbPort, err := freePort()
	if err != nil {
		return err
	}
	out, err := os.MkdirTemp("", "authserver-conformance-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	args := append(slices.Clone(harness[1:]), "authorization", "--url", issuer, "--client-id", clientID,
		"--resource", issuer+"/mcp", "-p", fmt.Sprint(cbPort), "-o", out)
	cmd := exec.CommandContext(ctx, harness[0], args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Follow the harness's output; open each authorization URL it prints.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var browseErr error
	var lines []string
	authURL := regexp.MustCompile(`^` + regexp.QuoteMeta(issuer) + `/authorize\?\S+$`)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if verbose {
			fmt.Println("  | " + line)
		}
		if authURL.MatchString(strings.TrimSpace(line)) {
			wg.Add(1)
			go func(u string) {
				defer wg.Done()
				if err := browse(ctx, u, fmt.Sprintf("http://127.0.0.1:%d/callback", cbPort)); err != nil {
					mu.Lock()
					browseErr = err
					mu.Unlock()
				}
			}(strings.TrimSpace(line))
		}
	}
	wg.Wait()
	harnessErr := cmd.Wait()
	if browseErr != nil {
		return fmt.Errorf("the browser: %w", browseErr)
	}
	failed, err := report(out)
	if (err != nil || failed > 0 || harnessErr != nil) && !verbose {
		for _, l := range lines {
			fmt.Println("  | " + l)
		}
	}
	if err != nil {
		return err
	}
	if failed > 0 || harnessErr != nil {
		return fmt.Errorf("%d scenario(s) failed (harness: %v)", failed, harnessErr)
	}
	return nil
}

// report prints one line per scenario from the harness's checks.json
// files, and returns how many failed: a FAILURE or SKIPPED check, or no
// SUCCESS at all (a vacuous pass).
func report(dir string) (int, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	if len(files) == 0 {
		return 0, errors.New("the harness wrote no results")
	}
	slices.Sort(files)
	failed, passed := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var checks []struct{ ID, Status, ErrorMessage string }
		if err := json.Unmarshal(b, &checks); err != nil {
			return 0, fmt.Errorf("%s: %v", f, err)
		}
		count := map[string]int{}
		var problems []string
		for _, c := range checks {
			count[c.Status]++
			if c.Status != "SUCCESS" && c.Status != "INFO" {
				problems = append(problems, c.ID+" "+c.Status+" "+c.ErrorMessage)
			}
		}
		name := stamp.ReplaceAllString(strings.TrimPrefix(filepath.Base(filepath.Dir(f)), "authorization-server-"), "")
		ok := count["FAILURE"] == 0 && count["SKIPPED"] == 0 && count["SUCCESS"] > 0
		mark := "PASS"
		if !ok {
			mark, failed = "FAIL", failed+1
		} else {
			passed++
		}
		fmt.Printf("%s %s: %d passed, %d failed, %d warnings, %d skipped\n", mark, name, count["SUCCESS"], count["FAILURE"], count["WARNING"], count["SKIPPED"])
		for _, pr := range problems {
			fmt.Println("     " + pr)
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	return failed, nil
}

// browse is the user's browser: it opens authURL, approves on the
// proxy's consent page, signs in upstream (which approves at once) and
// follows the redirects to the harness's callback.
func browse(ctx context.Context, authURL, callback string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next, method, form := authURL, http.MethodGet, url.Values(nil)
	for range 10 {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, next, body)
		if err != nil {
			return err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err := c.Do(req)
		for try := 0; err != nil && strings.HasPrefix(next, callback) && try < 50; try++ {
			// The harness prints the URL as it starts its callback
			// listener: give it a moment.
			time.Sleep(100 * time.Millisecond)
			req, _ = http.NewRequestWithContext(ctx, method, next, nil)
			resp, err = c.Do(req)
		}
		if err != nil {
			return err
		}
		page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if strings.HasPrefix(next, callback) {
			return nil // the harness has its code
		}
		switch {
		case resp.StatusCode/100 == 3:
			loc, err := req.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				return err
			}
			next, method, form = loc.String(), http.MethodGet, nil
		case resp.StatusCode == http.StatusOK && strings.Contains(string(page), "<form"):
			form = url.Values{"decision": {"approve"}}
			for _, m := range hidden.FindAllStringSubmatch(string(page), -1) {
				form.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
			}
			action, err := req.URL.Parse(formAction.FindStringSubmatch(string(page))[1])
			if err != nil {
				return err
			}
			next, method = action.String(), http.MethodPost
		default:
			return fmt.Errorf("%s %s: %s %s", method, next, resp.Status, page)
		}
	}
	return errors.New("too many redirects")
}

var (
	stamp      = regexp.MustCompile(`-\d{4}-\d\d-\d\dT[\d-]+Z$`)
	hidden     = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// upstream is a provider without dynamic registration that approves at
// once: one client (the proxy), PKCE S256 checked.
type upstream struct {
	url, clientID, secret, redirect string
	mu                              sync.Mutex
	codes                           map[string]string // code -> challenge
}

func startUpstream() (*upstream, error) {
	u := &upstream{clientID: "proxy", secret: "upstream-secret", codes: map[string]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u.url = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != u.clientID || q.Get("redirect_uri") != u.redirect || q.Get("code_challenge_method") != "S256" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		code := fmt.Sprint(time.Now().UnixNano())
		u.mu.Lock()
		u.codes[code] = q.Get("code_challenge")
		u.mu.Unlock()
		http.Redirect(w, r, u.redirect+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, _ := r.BasicAuth()
		u.mu.Lock()
		challenge, ok := u.codes[r.PostForm.Get("code")]
		delete(u.codes, r.PostForm.Get("code"))
		u.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != u.clientID || secret != u.secret || !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "upstream-" + r.PostForm.Get("code"), "token_type": "Bearer", "expires_in": 3600})
	})
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
	return u, nil
}
