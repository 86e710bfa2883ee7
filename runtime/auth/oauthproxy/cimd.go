package oauthproxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
// the MCP 2025-11-25 authorization spec): a client whose client_id is an
// https URL with a path publishes its metadata there. The proxy fetches
// it through the SSRF guard (ssrf.go), refuses redirects, bounds its size
// and the time it takes, caches it as HTTP says (ETag, Last-Modified,
// Cache-Control), and accepts it only if it names itself (client_id equal
// to the URL), its redirect URIs pass the allow-list, and it claims no
// shared secret.

const (
	maxDocumentSize   = 8 << 10
	documentTimeout   = 5 * time.Second
	documentFreshness = 5 * time.Minute // without Cache-Control
	maxDocumentAge    = 24 * time.Hour
	maxDocuments      = 1024 // cached
	maxFetches        = 8    // at once
)

// errDocument wraps every reason a client metadata document is refused;
// the client is then unknown (401 invalid_client).
var errDocument = errors.New("client metadata document refused")

// document is a client metadata document's content, as far as the proxy
// reads it.
type document struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
	Scope                   string   `json:"scope"`
}

type docEntry struct {
	doc          *document
	etag, lastMo string
	expires      time.Time
}

// documents fetches and caches client metadata documents.
type documents struct {
	guard    *guard
	roots    *x509.CertPool // nil: the system's
	insecure *insecure
	sem      chan struct{}
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]*docEntry
}

func newDocuments(g *guard, roots *x509.CertPool, in *insecure) *documents {
	if g == nil {
		g = defaultGuard()
	}
	return &documents{guard: g, roots: roots, insecure: in, sem: make(chan struct{}, maxFetches),
		now: time.Now, cache: map[string]*docEntry{}}
}

// isDocumentID reports whether a client id is a metadata document URL:
// https, with a path other than "/".
func isDocumentID(id string) bool {
	if !strings.HasPrefix(id, "https://") {
		return false
	}
	u, err := url.Parse(id)
	return err == nil && u.Path != "" && u.Path != "/"
}

// checkDocumentURL checks what the spec asks of a client id URL.
func checkDocumentURL(id string) (*url.URL, error) {
	if len(id) > maxRedirectLen {
		return nil, errors.New("the client id URL is too long")
	}
	u, err := url.Parse(id)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		return nil, errors.New("the client id is not an https URL")
	case u.User != nil:
		return nil, errors.New("the client id URL has user information")
	case u.Fragment != "" || strings.Contains(id, "#"):
		return nil, errors.New("the client id URL has a fragment")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, errors.New("the client id URL has a dot segment")
		}
	}
	return u, nil
}

// client returns the client a metadata document describes, checking its
// redirect URIs with allow.
func (d *documents) client(ctx context.Context, id string, allow func(string) error) (*clientRecord, error) {
	u, err := checkDocumentURL(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDocument, err)
	}
	doc, err := d.fetch(ctx, u, id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errDocument, id, err)
	}
	c, err := d.check(id, doc, allow)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errDocument, id, err)
	}
	return c, nil
}

// check validates a fetched document.
func (d *documents) check(id string, doc *document, allow func(string) error) (*clientRecord, error) {
	if doc.ClientID != id && !d.insecure.noDocumentID {
		return nil, fmt.Errorf("client_id mismatch: the document names %q", truncate(doc.ClientID))
	}
	if doc.ClientSecret != "" {
		return nil, errors.New("the document has a client_secret")
	}
	switch doc.TokenEndpointAuthMethod {
	case "", authNone:
	case authBasic, authPost, "client_secret_jwt":
		return nil, fmt.Errorf("token_endpoint_auth_method %q: a published document cannot hold a shared secret", doc.TokenEndpointAuthMethod)
	default:
		return nil, fmt.Errorf("token_endpoint_auth_method %q is not supported (none)", doc.TokenEndpointAuthMethod)
	}
	if len(doc.RedirectURIs) == 0 || len(doc.RedirectURIs) > maxURIs {
		return nil, fmt.Errorf("redirect_uris must list 1 to %d URIs", maxURIs)
	}
	for _, r := range doc.RedirectURIs {
		if err := allow(r); err != nil {
			return nil, err
		}
	}
	gts := doc.GrantTypes
	if len(gts) == 0 {
		gts = []string{grantCode}
	}
	for _, g := range gts {
		if g != grantCode && g != grantRT {
			return nil, fmt.Errorf("grant type %q is not supported", g)
		}
	}
	for _, rt := range doc.ResponseTypes {
		if rt != respCode {
			return nil, fmt.Errorf("response type %q is not supported", rt)
		}
	}
	name, err := displayName(doc.ClientName)
	if err != nil {
		return nil, err
	}
	return &clientRecord{ID: id, AuthMethod: authNone, RedirectURIs: doc.RedirectURIs, GrantTypes: gts,
		Name: name, Scope: doc.Scope, document: true}, nil
}

var errRedirected = errors.New("the document URL redirects (not followed)")

// fetch returns the document at u, from the cache while it is fresh.
func (d *documents) fetch(ctx context.Context, u *url.URL, id string) (*document, error) {
	now := d.now()
	d.mu.Lock()
	e := d.cache[id]
	d.mu.Unlock()
	if e != nil && now.Before(e.expires) {
		return e.doc, nil
	}
	select {
	case d.sem <- struct{}{}:
		defer func() { <-d.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, documentTimeout)
	defer cancel()
	port, err := portOf(u.Port())
	if err != nil {
		return nil, err
	}
	addr, err := d.guard.resolve(ctx, u.Hostname())
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy from the environment would resolve the name again
		DialContext:            d.guard.dialPinned(addr, port),
		TLSClientConfig:        &tls.Config{RootCAs: d.roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    documentTimeout,
		ResponseHeaderTimeout:  documentTimeout,
		MaxResponseHeaderBytes: 16 << 10,
		DisableKeepAlives:      true,
		DisableCompression:     true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: documentTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			if d.insecure.followRedirect {
				return nil
			}
			return errRedirected
		}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if e != nil {
		if e.etag != "" {
			req.Header.Set("If-None-Match", e.etag)
		}
		if e.lastMo != "" {
			req.Header.Set("If-Modified-Since", e.lastMo)
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, named by the caller
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && e != nil {
		d.keep(id, e.doc, resp, e)
		return e.doc, nil
	}
	if resp.StatusCode/100 == 3 {
		return nil, errRedirected
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching it answered %s", resp.Status)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, fmt.Errorf("its content type %q is not JSON", resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength > maxDocumentSize {
		return nil, fmt.Errorf("it is larger than %d bytes", maxDocumentSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading it: %v", err)
	}
	if len(body) > maxDocumentSize {
		return nil, fmt.Errorf("it is larger than %d bytes", maxDocumentSize)
	}
	var doc document
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("it is not a JSON object of client metadata: %v", err)
	}
	d.keep(id, &doc, resp, nil)
	return &doc, nil
}

// keep caches a document for as long as the response allows.
func (d *documents) keep(id string, doc *document, resp *http.Response, old *docEntry) {
	now := d.now()
	fresh := documentFreshness
	for _, dir := range strings.Split(resp.Header.Get("Cache-Control"), ",") {
		dir = strings.ToLower(strings.TrimSpace(dir))
		switch {
		case dir == "no-store":
			d.mu.Lock()
			delete(d.cache, id)
			d.mu.Unlock()
			return
		case dir == "no-cache":
			fresh = 0
		case strings.HasPrefix(dir, "max-age="):
			if n, err := strconv.Atoi(dir[len("max-age="):]); err == nil && n >= 0 {
				fresh = min(time.Duration(n)*time.Second, maxDocumentAge)
			}
		}
	}
	e := &docEntry{doc: doc, etag: resp.Header.Get("ETag"), lastMo: resp.Header.Get("Last-Modified"), expires: now.Add(fresh)}
	if old != nil && e.etag == "" && e.lastMo == "" {
		e.etag, e.lastMo = old.etag, old.lastMo
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.cache[id]; !ok && len(d.cache) >= maxDocuments {
		// Full: drop the entry closest to expiry.
		keys := make([]string, 0, len(d.cache))
		for k := range d.cache {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return d.cache[a].expires.Compare(d.cache[b].expires) })
		delete(d.cache, keys[0])
	}
	d.cache[id] = e
}
