package client

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2"
)

// memStore is a TokenStore in memory that counts its saves.
type memStore struct {
	mu    sync.Mutex
	a     *StoredAuth
	saves int
}

func (m *memStore) Load() (*StoredAuth, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.a == nil {
		return nil, nil
	}
	a := *m.a
	return &a, nil
}

func (m *memStore) Save(a *StoredAuth) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *a
	m.a = &c
	m.saves++
	return nil
}

func (m *memStore) edit(f func(*StoredAuth)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m.a)
}

func ping(t *testing.T, s *authServer, o *OAuth) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := Connect(ctx, s.url(), &Options{OAuth: o})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"})
	if err != nil || Text(res.Content) != "pong" {
		t.Fatalf("ping = %v, %v", res, err)
	}
}

// With a Store, the first connection authorizes and saves the token and
// the registered client; later connections (fresh OAuth values, as in a
// new process) use the stored token, refresh it when it has expired, and
// authorize with the stored client when the token is gone, registering
// again only for another redirect URL or authorization server.
func TestOAuthStore(t *testing.T) {
	s := newAuthServer(t)
	store := &memStore{}
	newOAuth := func() *OAuth {
		o := s.oauth()
		o.RefreshTokens, o.Store = true, store
		return o
	}
	grants := func() string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return strings.Join(s.grants, ",")
	}

	ping(t, s, newOAuth())
	a, _ := store.Load()
	if a == nil || a.Token.AccessToken != "token-1" || a.Token.RefreshToken != "refresh-1" || a.ClientID != "client-1" || !a.Registered ||
		a.Resource != s.url() || a.TokenURL != s.as.URL+"/token" || a.AuthURL != s.as.URL+"/authorize" || a.RedirectURL != "http://127.0.0.1:1/callback" {
		t.Fatalf("stored after authorizing: %+v", a)
	}

	ping(t, s, newOAuth())
	if got := grants(); got != "authorization_code" || s.registered != 1 {
		t.Errorf("with a stored token: token requests %q, %d registrations; want no new ones", got, s.registered)
	}

	// Expired: refreshed (naming the resource, as the server checks) and
	// the new token saved.
	store.edit(func(a *StoredAuth) { a.Token.Expiry = time.Now().Add(-time.Hour) })
	s.mu.Lock()
	delete(s.valid, "token-1")
	s.mu.Unlock()
	ping(t, s, newOAuth())
	if got := grants(); got != "authorization_code,refresh_token" {
		t.Errorf("token requests %q, want a refresh", got)
	}
	if a, _ := store.Load(); a.Token.AccessToken != "token-2" || a.Token.RefreshToken != "refresh-1" {
		t.Errorf("stored after refreshing: %+v", a.Token)
	}

	// Expired with no refresh token: a new authorization, with the
	// stored client.
	store.edit(func(a *StoredAuth) {
		a.Token = &oauth2.Token{AccessToken: "token-2", Expiry: time.Now().Add(-time.Hour)}
	})
	ping(t, s, newOAuth())
	if got := grants(); got != "authorization_code,refresh_token,authorization_code" || s.registered != 1 {
		t.Errorf("token requests %q, %d registrations; want a new authorization by the stored client", got, s.registered)
	}

	// A token the server refuses, and a refresh token the authorization
	// server refuses: a new authorization each time.
	store.edit(func(a *StoredAuth) {
		a.Token = &oauth2.Token{AccessToken: "revoked", Expiry: time.Now().Add(time.Hour)}
	})
	ping(t, s, newOAuth())
	store.edit(func(a *StoredAuth) {
		a.Token = &oauth2.Token{AccessToken: "revoked", RefreshToken: "bogus", Expiry: time.Now().Add(-time.Hour)}
	})
	ping(t, s, newOAuth())
	if got := grants(); got != "authorization_code,refresh_token,authorization_code,authorization_code,refresh_token,authorization_code" {
		t.Errorf("token requests %q", got)
	}
	if a, _ := store.Load(); a.Token.AccessToken != "token-1" {
		t.Errorf("stored %+v, want the new token", a.Token)
	}

	// Another redirect URL: the stored client is not registered for it.
	store.edit(func(a *StoredAuth) { a.Token = nil })
	o := newOAuth()
	o.RedirectURL = "http://127.0.0.1:2/callback"
	ping(t, s, o)
	if a, _ := store.Load(); s.registered != 2 || a.ClientID != "client-2" || a.RedirectURL != o.RedirectURL {
		t.Errorf("%d registrations, stored %+v; want a new registration", s.registered, a)
	}

	// Another authorization server than the client's: registered again.
	store.edit(func(a *StoredAuth) { a.Token, a.AuthURL = nil, "http://127.0.0.1:1/elsewhere" })
	ping(t, s, o)
	if a, _ := store.Load(); s.registered != 3 || a.ClientID != "client-3" || a.AuthURL != s.as.URL+"/authorize" {
		t.Errorf("%d registrations, stored %+v; want a new registration", s.registered, a)
	}

	// A pre-registered client never uses the stored one.
	s.mu.Lock()
	s.clients["pre"] = true
	s.mu.Unlock()
	store.edit(func(a *StoredAuth) { a.Token = nil })
	o = newOAuth()
	o.ClientID = "pre"
	ping(t, s, o)
	if a, _ := store.Load(); a.ClientID != "pre" || a.Registered || s.registered != 3 {
		t.Errorf("stored %+v after %d registrations; want the pre-registered client, not registered", a, s.registered)
	}
}

// A store that cannot load fails the handler, naming the problem.
func TestOAuthStoreLoadError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.json")
	os.WriteFile(path, []byte("{not json"), 0o600)
	o := &OAuth{RedirectURL: "http://127.0.0.1:1/callback", Authorize: FollowRedirect(nil), Store: &FileStore{Path: path}}
	if _, err := o.Handler(); err == nil || !strings.Contains(err.Error(), "loading the stored authorization") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v", err)
	}
}

// FileStore writes its directory 0700 and its file 0600, replaces the
// file whole, reads back what it wrote, refuses what is not JSON or too
// large, and reports whether Remove removed anything.
func TestFileStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "tokens")
	f := &FileStore{Path: filepath.Join(dir, "x.json")}
	if a, err := f.Load(); a != nil || err != nil {
		t.Fatalf("missing file: %v, %v", a, err)
	}
	want := &StoredAuth{Resource: "http://127.0.0.1/mcp", TokenURL: "http://127.0.0.1/token", ClientID: "c", Registered: true,
		Token: &oauth2.Token{AccessToken: "at", RefreshToken: "rt", TokenType: "Bearer", Expiry: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}}
	for range 2 {
		if err := f.Save(want); err != nil {
			t.Fatal(err)
		}
	}
	for path, mode := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, f.Path: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", path, st.Mode(), mode)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only the file", len(entries))
	}
	got, err := f.Load()
	if err != nil || got.ClientID != "c" || !got.Registered || got.Token.AccessToken != "at" || got.Token.RefreshToken != "rt" || !got.Token.Expiry.Equal(want.Token.Expiry) {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	os.WriteFile(f.Path, []byte("[1,2"), 0o600)
	if _, err := f.Load(); err == nil {
		t.Error("a file that is not JSON loaded")
	}
	os.WriteFile(f.Path, []byte(`{"client_id":"`+strings.Repeat("x", maxStoredAuth)+`"}`), 0o600)
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an oversized file: err = %v", err)
	}
	if removed, err := f.Remove(); !removed || err != nil {
		t.Errorf("Remove = %v, %v", removed, err)
	}
	if removed, err := f.Remove(); removed || err != nil {
		t.Errorf("second Remove = %v, %v", removed, err)
	}
}
