package oauthproxy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/state"
	"golang.org/x/oauth2"
)

// gate parks the first goroutine that reaches it (in the code under test)
// until the test opens it; later ones pass.
type gate struct {
	once    sync.Once
	arrived chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{arrived: make(chan struct{}, 1), release: make(chan struct{})} }

func (g *gate) wait() {
	g.once.Do(func() {
		g.arrived <- struct{}{}
		<-g.release
	})
}

// reached waits until a goroutine is parked at the gate.
func (g *gate) reached(t *testing.T) {
	t.Helper()
	select {
	case <-g.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing reached the gate")
	}
}

func (g *gate) open() { close(g.release) }

// gatedStore is a Taker whose first successful take of a key under prefix
// stops at the gate, after the record is gone.
type gatedStore struct {
	runtime.StateStore
	prefix string
	g      *gate
	mu     sync.Mutex
}

func (s *gatedStore) Take(ctx context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	b, ok, err := s.StateStore.Get(ctx, key)
	if err == nil && ok {
		err = s.StateStore.Delete(ctx, key)
	}
	s.mu.Unlock()
	if err == nil && ok && strings.HasPrefix(key, s.prefix) {
		s.g.wait()
	}
	return b, ok, err
}

type answer struct {
	status int
	body   map[string]any
	err    error
}

// postToken is tokenRequest for another goroutine than the test's.
func postToken(e *env, form url.Values) answer {
	req, _ := http.NewRequest(http.MethodPost, e.base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := httpc.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return answer{status: resp.StatusCode, body: out}
}

func await[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not end")
	}
	var zero T
	return zero
}

// A code or refresh token presented again while its first presentation is
// still being served (after the one-time take, before the token
// response) is a replay, and revokes the grant: the first presentation's
// token does not work.
func TestReplayWhileRedeeming(t *testing.T) {
	for _, kind := range []string{kindCode, kindRefresh} {
		t.Run(kind, func(t *testing.T) {
			g := newGate()
			e := newEnv(t, Config{Store: &gatedStore{StateStore: state.NewMemory(0), prefix: "oauthproxy:" + kind + ":", g: g}}, nil)
			var form url.Values
			var before string // an access token issued from the grant before
			if kind == kindCode {
				id := e.publicClient()
				pk := newPKCE()
				q := newBrowser(t).authorize(e.authorizeURL(id, clientRedirect, pk, nil))
				form = url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {clientRedirect},
					"client_id": {id}, "code_verifier": {pk.verifier}}
			} else {
				id, tok := e.login(newBrowser(t))
				before = tok["access_token"].(string)
				form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}}
			}
			first := make(chan answer, 1)
			go func() { first <- postToken(e, form) }()
			g.reached(t)
			if a := postToken(e, form); a.err != nil || a.status != http.StatusBadRequest || a.body["error"] != "invalid_grant" {
				t.Fatalf("the replay: %d %v %v", a.status, a.body, a.err)
			}
			g.open()
			a := await(t, first)
			if a.err != nil {
				t.Fatal(a.err)
			}
			if a.status == http.StatusOK {
				if _, err := e.proxy.verify(context.Background(), a.body["access_token"].(string)); err == nil {
					t.Errorf("the first presentation's token works, though the %s was replayed while it was served", kind)
				}
			}
			if before != "" {
				if _, err := e.proxy.verify(context.Background(), before); err == nil {
					t.Error("a token issued from the grant before the replay still works")
				}
			}
		})
	}
}

// A grant revoked while a request that loaded it refreshes the upstream
// token (at the token endpoint, or in UpstreamToken) stays revoked: the
// request does not save it back, and no token issued from it works again.
func TestRevokedGrantStaysRevoked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Config{}, nil)
	e.idp.mu.Lock()
	e.idp.expiresIn = 1 // expired at once for oauth2: every use refreshes upstream
	e.idp.mu.Unlock()
	hold := func() *gate {
		g := newGate()
		e.idp.mu.Lock()
		e.idp.hold = g.wait
		e.idp.mu.Unlock()
		return g
	}

	// The token endpoint: the replay of the refresh token being redeemed
	// revokes the grant while the upstream refresh is in flight.
	id, tok := e.login(newBrowser(t))
	at := tok["access_token"].(string)
	g := hold()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}}
	first := make(chan answer, 1)
	go func() { first <- postToken(e, form) }()
	g.reached(t)
	if a := postToken(e, form); a.err != nil || a.status != http.StatusBadRequest {
		t.Fatalf("the replay: %d %v %v", a.status, a.body, a.err)
	}
	if _, err := e.proxy.verify(ctx, at); err != errNoGrant {
		t.Fatalf("the replay did not revoke the grant: %v", err)
	}
	g.open()
	a := await(t, first)
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.status == http.StatusOK {
		t.Errorf("the refresh of a revoked grant succeeded: %v", a.body)
		if _, err := e.proxy.verify(ctx, a.body["access_token"].(string)); err == nil {
			t.Error("its access token works")
		}
	}
	if _, err := e.proxy.verify(ctx, at); err == nil {
		t.Error("the revoked grant came back: a token issued from it before the revocation works again")
	}

	// UpstreamToken: the grant is revoked while it refreshes.
	_, tok = e.login(newBrowser(t))
	at = tok["access_token"].(string)
	v, err := e.proxy.verify(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	g = hold()
	type upstream struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan upstream, 1)
	go func() {
		tok, err := e.proxy.UpstreamToken(ctx, at)
		done <- upstream{tok, err}
	}()
	g.reached(t)
	e.proxy.revoke(ctx, v.grantID, "revoked by the test")
	g.open()
	if u := await(t, done); u.err == nil {
		t.Errorf("UpstreamToken handed out the token of a grant revoked meanwhile")
	}
	if _, err := e.proxy.verify(ctx, at); err == nil {
		t.Error("the revoked grant came back: its access token works again")
	}
}
