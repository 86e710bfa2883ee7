package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"golang.org/x/oauth2"
)

// TokenStore keeps an OAuth authorization across connections (and
// processes): OAuth.Store loads it before the first request and saves it
// after each authorization and refresh. Implementations need not be safe
// for concurrent use: the handler of an OAuth serializes its calls.
type TokenStore interface {
	// Load returns the stored authorization, or nil if there is none.
	Load() (*StoredAuth, error)
	// Save replaces the stored authorization.
	Save(*StoredAuth) error
}

// StoredAuth is what a TokenStore keeps: the tokens, what refreshing them
// needs, and the client they were issued to.
type StoredAuth struct {
	// Resource is the resource the tokens were granted for (RFC 8707),
	// named again on refresh.
	Resource string `json:"resource,omitempty"`
	// AuthURL and TokenURL are the authorization server's endpoints.
	AuthURL  string `json:"authorization_endpoint,omitempty"`
	TokenURL string `json:"token_endpoint"`
	// ClientID and ClientSecret identify the client; AuthStyle is how the
	// token endpoint takes them.
	ClientID     string           `json:"client_id"`
	ClientSecret string           `json:"client_secret,omitempty"`
	AuthStyle    oauth2.AuthStyle `json:"auth_style,omitempty"`
	// Registered says the client came from dynamic registration with
	// RedirectURL; a later authorization with the same RedirectURL
	// reuses it instead of registering again.
	Registered  bool   `json:"registered,omitempty"`
	RedirectURL string `json:"redirect_uri,omitempty"`
	// Token is the latest token.
	Token *oauth2.Token `json:"token"`
}

// usable reports whether a holds a token that works or can be refreshed.
func (a *StoredAuth) usable() bool {
	return a != nil && a.Token != nil && a.TokenURL != "" && a.Token.AccessToken != "" && (a.Token.Valid() || a.Token.RefreshToken != "")
}

func (a *StoredAuth) config() *oauth2.Config {
	return &oauth2.Config{
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: a.AuthURL, TokenURL: a.TokenURL, AuthStyle: a.AuthStyle},
	}
}

// maxStoredAuth bounds what FileStore reads: a stored authorization is a
// few kilobytes.
const maxStoredAuth = 1 << 20

// FileStore is a TokenStore keeping the authorization as JSON in the file
// at Path, readable by its owner only: the directory is created with mode
// 0700 (or restricted to 0700 on Save if it exists with another mode, and
// Save fails if it cannot be: give FileStore a directory of its own) and
// the file written with mode 0600, atomically (a temporary file in the
// same directory renamed over it), so a reader never sees half of it.
type FileStore struct {
	Path string
}

// Load reads the file; a missing file is no authorization.
func (f *FileStore) Load() (*StoredAuth, error) {
	file, err := os.Open(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxStoredAuth+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStoredAuth {
		return nil, fmt.Errorf("%s: larger than %d bytes", f.Path, maxStoredAuth)
	}
	var a StoredAuth
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return &a, nil
}

// Save writes a to the file.
func (f *FileStore) Save(a *StoredAuth) error {
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := privateDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(f.Path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}

// Remove deletes the file, reporting whether there was one.
func (f *FileStore) Remove() (bool, error) {
	err := os.Remove(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// syncStore serializes the calls to a TokenStore.
type syncStore struct {
	mu sync.Mutex
	s  TokenStore
}

func (s *syncStore) Load() (*StoredAuth, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s.Load()
}

func (s *syncStore) Save(a *StoredAuth) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s.Save(a)
}

// storeHandler is the auth.OAuthHandler of an authorization code grant
// with a TokenStore. It starts with the stored token, if any, and
// authorizes with the stored client; should the authorization server no
// longer be the one that client was registered with, it authorizes again
// with a fresh registration.
type storeHandler struct {
	mu    sync.Mutex
	inner *auth.AuthorizationCodeHandler
	// fresh builds a handler that does not use the stored client; nil
	// once inner is one.
	fresh func() (*auth.AuthorizationCodeHandler, error)
}

// errStaleClient is what the authorization code fetcher of a stored
// client returns when the authorization endpoint is not the one the
// client was registered with.
var errStaleClient = errors.New("oauth: the stored client was registered with another authorization server")

func (h *storeHandler) TokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	h.mu.Lock()
	inner := h.inner
	h.mu.Unlock()
	return inner.TokenSource(ctx)
}

func (h *storeHandler) Authorize(ctx context.Context, req *http.Request, resp *http.Response) error {
	h.mu.Lock()
	inner, fresh := h.inner, h.fresh
	h.mu.Unlock()
	err := inner.Authorize(ctx, req, resp)
	if !errors.Is(err, errStaleClient) || fresh == nil {
		return err
	}
	inner, err = fresh()
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.inner, h.fresh = inner, nil
	h.mu.Unlock()
	return inner.Authorize(ctx, req, resp)
}

// sameEndpoint reports whether the authorization URL authURL (with its
// query) is addressed to endpoint.
func sameEndpoint(authURL, endpoint string) bool {
	u, err := url.Parse(authURL)
	if err != nil {
		return false
	}
	e, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	return u.Scheme == e.Scheme && u.Host == e.Host && u.Path == e.Path
}

// savingSource is a token source that saves each new token it hands out.
// A refresh the authorization server refuses is an invalid_grant (and
// not tried again), on which go-sdk's transport sends the request without
// a token, to get the 401 that authorizes again.
type savingSource struct {
	mu   sync.Mutex
	src  oauth2.TokenSource
	last string // the access token saved last
	save func(*oauth2.Token) error
	// refused is the refusal of the refresh token, once refused.
	refused error
}

func (s *savingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused != nil {
		return nil, s.refused
	}
	t, err := s.src.Token()
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The authorization server refused the refresh token, whatever
		// it said (or however it said it): the transport treats
		// invalid_grant as "authorize again", which is what is left.
		// The refresh token is not tried again.
		c := *re
		c.ErrorCode = "invalid_grant"
		s.refused = &c
		return nil, s.refused
	}
	if err != nil {
		return nil, err
	}
	if t.AccessToken != s.last {
		if err := s.save(t); err != nil {
			return nil, fmt.Errorf("oauth: storing the token: %w", err)
		}
		s.last = t.AccessToken
	}
	return t, nil
}
