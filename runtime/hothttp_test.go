package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// httpClient drives one stateful streamable HTTP session with raw
// requests.
type httpClient struct {
	t       *testing.T
	url     string
	era     string
	session string
	hc      *http.Client
}

// httpReply is one HTTP response: its status, the headers go-sdk sets,
// and the messages it carries (the body itself for JSON, the data of each
// event for SSE).
type httpReply struct {
	status  int
	header  string
	body    string
	session string // the session it named (Mcp-Session-Id), random per server
}

func (r httpReply) String() string {
	return fmt.Sprintf("%d %s session=%v %s", r.status, r.header, r.session != "", r.body)
}

func (c *httpClient) do(method, body string, header map[string]string, onRequest func(msg string)) httpReply {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
		req.Header.Set("Mcp-Protocol-Version", c.era)
	}
	for k, v := range header {
		switch {
		case k == "Host":
			req.Host = v
		case v == "":
			req.Header.Del(k)
		default:
			req.Header.Set(k, v)
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := httpReply{status: resp.StatusCode, session: resp.Header.Get("Mcp-Session-Id")}
	for _, k := range []string{"Content-Type", "Cache-Control", "Connection"} {
		out.header += k + "=" + resp.Header.Get(k) + ";"
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		raw, _ := io.ReadAll(resp.Body)
		out.body = strings.TrimSpace(string(raw))
		return out
	}
	// SSE: the raw events, answering the server's requests as they come.
	var b strings.Builder
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadString('\n')
		b.WriteString(line)
		if data, ok := strings.CutPrefix(line, "data: "); ok && onRequest != nil {
			if id, request, _ := idAndKind([]byte(data)); request && id != nil {
				go onRequest(strings.TrimSpace(data))
			}
		}
		if err != nil {
			break
		}
	}
	out.body = b.String()
	return out
}

// run sends a step and returns the replies it got: the step's own, and
// for a cancellation the cancellation's before it.
func (c *httpClient) run(st hotStep, rec *hotRecorder) []httpReply {
	c.t.Helper()
	answer := func(msg string) {
		var m struct {
			ID     json.RawMessage
			Method string
		}
		json.Unmarshal([]byte(msg), &m)
		res, ok := st.answer[m.Method]
		if !ok {
			c.t.Errorf("%s: unexpected request from the server: %s", st.name, msg)
			res = `{}`
		}
		c.do(http.MethodPost, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":`+res+`}`, nil, nil)
	}
	if st.then == "" {
		r := c.do(http.MethodPost, st.send, nil, answer)
		if st.name == "initialize" {
			c.session = r.session
		}
		return []httpReply{r}
	}
	done := make(chan httpReply, 1)
	go func() { done <- c.do(http.MethodPost, st.send, nil, answer) }()
	select {
	case <-rec.started:
	case <-time.After(20 * time.Second):
		c.t.Fatalf("%s: the call did not start", st.name)
	}
	// While the call is in flight, its id is taken.
	dup := c.do(http.MethodPost, st.send, nil, nil)
	cancel := c.do(http.MethodPost, st.then, nil, nil)
	return []httpReply{dup, cancel, <-done}
}

// TestStatefulHotMatchesGoSDK runs the corpus of every era before
// 2026-07-28 over stateful streamable HTTP (SSE and JSON responses, for
// clients that can be asked for input and clients that cannot), through
// the runtime's own path and through go-sdk's, and compares the statuses,
// headers and bytes of the responses, and what the observer and
// middleware saw.
func TestStatefulHotMatchesGoSDK(t *testing.T) {
	for _, jsonResponse := range []bool{false, true} {
		for _, caps := range []string{`{}`, `{"elicitation":{}}`} {
			for _, era := range []string{"2025-03-26", "2025-06-18", "2025-11-25"} {
				t.Run(fmt.Sprintf("json=%v caps=%s %s", jsonResponse, caps, era), func(t *testing.T) {
					statefulDiff(t, jsonResponse, caps, era)
				})
			}
		}
	}
}

func statefulDiff(t *testing.T, jsonResponse bool, caps, era string) {
	opts := Options{JSONResponse: jsonResponse, PageSize: 3}
	hot, hotRec := hotTestServer(t, false, opts)
	sdk, sdkRec := hotTestServer(t, true, opts)
	hsrv := httptest.NewServer(hot.Handler())
	defer hsrv.Close()
	ssrv := httptest.NewServer(sdk.Handler())
	defer ssrv.Close()
	hc := &httpClient{t: t, url: hsrv.URL, era: era, hc: &http.Client{Timeout: 30 * time.Second}}
	sc := &httpClient{t: t, url: ssrv.URL, era: era, hc: &http.Client{Timeout: 30 * time.Second}}
	// go-sdk asks a client that can be asked for input on the call's own
	// SSE stream, which only go-sdk can: the runtime leaves it all to
	// go-sdk.
	goSDKOnly := !jsonResponse && caps != `{}`
	for _, st := range hotCorpusCaps(era, true, caps) {
		before := hot.hotServed.Load()
		got := hc.run(st, hotRec)
		took := hot.hotServed.Load() > before
		want := sc.run(st, sdkRec)
		if wantHot := st.hot && !goSDKOnly; took != wantHot {
			t.Errorf("%s: the runtime's path answered: %v, want %v", st.name, took, wantHot)
		}
		compareReplies(t, st.name, got, want)
		compareObserved(t, st.name, hotRec, sdkRec, false)
	}
	// What go-sdk checks before it reaches the session.
	for _, c := range []struct {
		name   string
		header map[string]string
	}{
		{"unknown session", map[string]string{"Mcp-Session-Id": "nope"}},
		{"unsupported version", map[string]string{"Mcp-Protocol-Version": "1999-01-01"}},
		{"2026-07-28 on a session", map[string]string{"Mcp-Protocol-Version": statelessVersion}},
		{"no version header", map[string]string{"Mcp-Protocol-Version": ""}},
		{"Last-Event-ID", map[string]string{"Last-Event-ID": "x_1"}},
		{"JSON only", map[string]string{"Accept": "application/json"}},
		{"wrong content type", map[string]string{"Content-Type": "text/plain"}},
		{"DNS rebinding", map[string]string{"Host": "evil.example.com"}},
	} {
		body := `{"jsonrpc":"2.0","id":"h1","method":"tools/call","params":{"name":"echo","arguments":{}}}`
		compareReplies(t, c.name, []httpReply{hc.do(http.MethodPost, body, c.header, nil)}, []httpReply{sc.do(http.MethodPost, body, c.header, nil)})
		compareObserved(t, c.name, hotRec, sdkRec, false)
	}
	// The session ends: then it is unknown.
	for _, c := range []*httpClient{hc, sc} {
		if r := c.do(http.MethodDelete, "", nil, nil); r.status != http.StatusNoContent {
			t.Fatalf("DELETE: %v", r)
		}
	}
	body := `{"jsonrpc":"2.0","id":"h2","method":"tools/call","params":{"name":"echo","arguments":{}}}`
	compareReplies(t, "after DELETE", []httpReply{hc.do(http.MethodPost, body, nil, nil)}, []httpReply{sc.do(http.MethodPost, body, nil, nil)})
	compareObserved(t, "the session", hotRec, sdkRec, true)
}

// compareReplies compares HTTP replies: status, headers and bytes, once
// normalized.
func compareReplies(t *testing.T, what string, got, want []httpReply) {
	t.Helper()
	g := make([]string, len(got))
	for i, r := range got {
		g[i] = normalize(r.String())
	}
	w := make([]string, len(want))
	for i, r := range want {
		w[i] = normalize(r.String())
	}
	compareLines(t, what, g, w)
}

// The idle timeout of stateful sessions holds on the runtime's path as on
// go-sdk's: it pauses while a POST is in flight, starts again when the
// last one ends, and then closes the session (404).
func TestStatefulHotSessionTimeout(t *testing.T) {
	for _, noHot := range []bool{false, true} {
		t.Run(fmt.Sprintf("noHot=%v", noHot), func(t *testing.T) {
			s, rec := hotTestServer(t, noHot, Options{SessionTimeout: 2 * time.Second})
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			c := &httpClient{t: t, url: srv.URL, era: "2025-11-25", hc: &http.Client{Timeout: 30 * time.Second}}
			for _, st := range hotCorpusCaps("2025-11-25", false, `{}`)[:2] {
				c.run(st, rec)
			}
			ping := `{"jsonrpc":"2.0","id":"p","method":"ping"}`
			// A call in flight for longer than the timeout keeps the
			// session.
			done := make(chan httpReply, 1)
			go func() {
				done <- c.do(http.MethodPost, `{"jsonrpc":"2.0","id":"w","method":"tools/call","params":{"name":"wait","arguments":{}}}`, nil, nil)
			}()
			<-rec.started
			time.Sleep(3 * time.Second)
			c.do(http.MethodPost, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"w"}}`, nil, nil)
			<-done
			// So do requests more often than the timeout.
			for range 8 {
				if r := c.do(http.MethodPost, ping, nil, nil); r.status != http.StatusOK {
					t.Fatalf("ping of a live session: %v", r)
				}
				time.Sleep(500 * time.Millisecond)
			}
			// Idle, it ends.
			deadline := time.Now().Add(20 * time.Second)
			for {
				r := c.do(http.MethodPost, ping, nil, nil)
				if r.status == http.StatusNotFound {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the idle session did not end: %v", r)
				}
				time.Sleep(3 * time.Second)
			}
		})
	}
}

// FuzzStatefulHot posts any body to an initialized stateful session of
// each path, in both response modes, and compares the replies, then
// checks that both sessions still answer a ping alike.
func FuzzStatefulHot(f *testing.F) {
	for _, era := range []string{"2025-03-26", "2025-11-25"} {
		for _, st := range hotCorpusCaps(era, false, `{}`) {
			f.Add([]byte(st.send), false)
			f.Add([]byte(st.send), true)
		}
	}
	for _, s := range hostileSeeds() {
		f.Add([]byte(s), false)
	}
	type pair struct {
		hot, sdk         http.Handler
		hotSess, sdkSess string
	}
	var pairs [2]pair
	for i, js := range []bool{false, true} {
		hot, _ := hotTestServer(f, false, Options{JSONResponse: js})
		sdk, _ := hotTestServer(f, true, Options{JSONResponse: js})
		pairs[i] = pair{hot: hot.Handler(), sdk: sdk.Handler()}
	}
	post := func(h http.Handler, session, body string) httpReply {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(ctx))
		out := httpReply{status: rec.Code, body: rec.Body.String(), session: rec.Header().Get("Mcp-Session-Id")}
		for _, k := range []string{"Content-Type", "Cache-Control", "Connection"} {
			out.header += k + "=" + rec.Header().Get(k) + ";"
		}
		return out
	}
	for i := range pairs {
		p := &pairs[i]
		initialize := `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`
		p.hotSess, p.sdkSess = post(p.hot, "", initialize).session, post(p.sdk, "", initialize).session
		post(p.hot, p.hotSess, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		post(p.sdk, p.sdkSess, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		if p.hotSess == "" || p.sdkSess == "" {
			f.Fatal("no session")
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, jsonResponse bool) {
		if bytes.Contains(body, []byte(`"wait"`)) {
			return // waits for its cancellation
		}
		p := pairs[0]
		if jsonResponse {
			p = pairs[1]
		}
		got, want := post(p.hot, p.hotSess, string(body)), post(p.sdk, p.sdkSess, string(body))
		compareReplies(t, fmt.Sprintf("%q", body), []httpReply{got}, []httpReply{want})
		ping := `{"jsonrpc":"2.0","id":"fuzz-ping","method":"ping"}`
		compareReplies(t, fmt.Sprintf("ping after %q", body), []httpReply{post(p.hot, p.hotSess, ping)}, []httpReply{post(p.sdk, p.sdkSess, ping)})
	})
}
