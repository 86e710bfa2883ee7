package oauthproxy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// docServer serves client metadata documents over TLS on 127.0.0.1, with
// a certificate for the names and addresses the tests use; every request
// is counted.
type docServer struct {
	addr  string // 127.0.0.1:port
	roots *x509.CertPool
	hits  atomic.Int64
	mu    sync.Mutex
	docs  map[string]func(w http.ResponseWriter, r *http.Request)
}

func newDocServer(t *testing.T) *docServer {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "docs"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames:    []string{"client.test", "evil.test", "localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1"), net.ParseIP("169.254.169.254"), net.ParseIP("93.184.215.14")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ds := &docServer{roots: x509.NewCertPool(), docs: map[string]func(http.ResponseWriter, *http.Request){}}
	ds.roots.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ds.addr = ln.Addr().String()
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds.hits.Add(1)
		ds.mu.Lock()
		h := ds.docs[r.URL.Path]
		ds.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	})}
	tl := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	go srv.Serve(tl)
	t.Cleanup(func() { srv.Close() })
	return ds
}

// doc serves a JSON document at path.
func (ds *docServer) doc(path string, v any, header ...string) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	ds.docs[path] = func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
}

func (ds *docServer) handle(path string, h func(w http.ResponseWriter, r *http.Request)) {
	ds.mu.Lock()
	ds.docs[path] = h
	ds.mu.Unlock()
}

// testGuard is a guard for names under .test (and localhost) that
// resolve as the test says, with allow as its address policy, and a
// dialer that connects to the document server whatever address it is
// asked for: nothing leaves the loopback interface.
func (ds *docServer) testGuard(allow func(netip.Addr) bool, names map[string]string) (*guard, *[]string) {
	var dialed []string
	var mu sync.Mutex
	return &guard{
		lookup: func(_ context.Context, _, host string) ([]netip.Addr, error) {
			if a, ok := names[host]; ok {
				return []netip.Addr{netip.MustParseAddr(a)}, nil
			}
			return nil, errors.New("no such host " + host)
		},
		allow:       allow,
		dialTimeout: 5 * time.Second,
		dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, "tcp", ds.addr)
		},
	}, &dialed
}

// publicNames resolves client.test to a public address.
var publicNames = map[string]string{"client.test": "93.184.215.14", "localhost": "127.0.0.1", "evil.test": "10.0.0.1"}

func goodDoc(id string) map[string]any {
	return map[string]any{"client_id": id, "client_name": "Doc Client", "redirect_uris": []string{clientRedirect},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"}}
}

// A client identified by its metadata document goes through the whole
// flow; the document is fetched once while fresh and revalidated with its
// ETag once stale.
func TestDocumentClient(t *testing.T) {
	ds := newDocServer(t)
	g, dialed := ds.testGuard(publicAddress, publicNames)
	e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots}, nil)
	id := "https://client.test/oauth/client.json"
	var conditional atomic.Int64
	ds.handle("/oauth/client.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=60")
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(goodDoc(id))
	})
	b := newBrowser(t)
	pk := newPKCE()
	up, page := b.consent(e.authorizeURL(id, clientRedirect, pk, nil))
	if !strings.Contains(page.body, "Doc Client") || !strings.Contains(page.body, "published by this domain") {
		t.Errorf("consent page:\n%s", page.body)
	}
	back, _ := b.follow(up, clientRedirect)
	u, _ := url.Parse(back)
	if st, out := e.exchange(id, u.Query().Get("code"), pk); st != http.StatusOK {
		t.Fatalf("token: %d %v", st, out)
	}
	if n := ds.hits.Load(); n != 1 {
		t.Errorf("%d fetches while fresh, want 1", n)
	}
	if len(*dialed) == 0 || (*dialed)[0] != "93.184.215.14:443" {
		t.Errorf("dialed %v, want the pinned address", *dialed)
	}
	// Stale: revalidated with If-None-Match, 304 keeps it.
	e.proxy.cimd.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, err := e.proxy.client(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if conditional.Load() != 1 {
		t.Errorf("%d conditional requests, want 1", conditional.Load())
	}
}

// cimdRefused asks for an authorization with client id and reports
// whether it was refused as an unknown client without a consent page.
func cimdRefused(t *testing.T, e *env, id string) bool {
	t.Helper()
	s := newBrowser(t).do(http.MethodGet, e.authorizeURL(id, clientRedirect, newPKCE(), nil), nil)
	if s.status == http.StatusUnauthorized && strings.Contains(s.body, "invalid_client") {
		return true
	}
	if s.status != http.StatusFound || !strings.Contains(s.location(), "/consent?") {
		t.Fatalf("%s: neither refused nor accepted: %d %s %s", id, s.status, s.location(), s.body)
	}
	return false
}

// Documents at loopback, private and link-local addresses, or at a name
// that resolves to loopback, are refused before any connection; the same
// test against a proxy whose guard allows every address (the vulnerable
// variant) sees them accepted, so the test would catch the hole.
func TestDocumentSSRF(t *testing.T) {
	ds := newDocServer(t)
	port := strings.Split(ds.addr, ":")[1]
	ids := []string{
		"https://127.0.0.1:" + port + "/client.json",
		"https://10.0.0.1:" + port + "/client.json",
		"https://169.254.169.254:" + port + "/client.json",
		"https://localhost:" + port + "/client.json",
		"https://[::ffff:127.0.0.1]:" + port + "/client.json",
		"https://evil.test:" + port + "/client.json", // resolves to 10.0.0.1
	}
	// Each names itself by the URL it was fetched at.
	ds.handle("/client.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(goodDoc("https://" + r.Host + r.URL.Path))
	})
	t.Run("default", func(t *testing.T) {
		// The real resolver for localhost, the real address policy; the
		// dialer is the test's, so that a hole would show as a dial
		// rather than a connection elsewhere.
		g, dialed := ds.testGuard(publicAddress, publicNames)
		g.lookup = defaultGuard().lookup
		e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots}, nil)
		for _, id := range ids[:5] {
			if !cimdRefused(t, e, id) {
				t.Errorf("%s accepted", id)
			}
		}
		if len(*dialed) != 0 || ds.hits.Load() != 0 {
			t.Errorf("connections made: %v, %d requests", *dialed, ds.hits.Load())
		}
		if !strings.Contains(e.logs(), "address not allowed") {
			t.Errorf("the refusals are not logged with their reason:\n%s", e.logs())
		}
	})
	t.Run("default guard", func(t *testing.T) {
		// The package's own default guard, untouched: refused before any
		// dial (a dial would fail the TLS check or not reach anything).
		e := newEnv(t, Config{documentRoots: ds.roots}, nil)
		for _, id := range ids[:5] {
			if !cimdRefused(t, e, id) {
				t.Errorf("%s accepted", id)
			}
		}
		if ds.hits.Load() != 0 {
			t.Errorf("%d requests reached the document server", ds.hits.Load())
		}
	})
	t.Run("name resolving to a private address", func(t *testing.T) {
		g, dialed := ds.testGuard(publicAddress, publicNames)
		e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots}, nil)
		if !cimdRefused(t, e, ids[5]) || len(*dialed) != 0 {
			t.Errorf("evil.test accepted, dialed %v", *dialed)
		}
	})
	t.Run("vulnerable", func(t *testing.T) {
		g, dialed := ds.testGuard(func(netip.Addr) bool { return true }, publicNames)
		e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots}, nil)
		for _, id := range ids {
			if cimdRefused(t, e, id) {
				t.Errorf("%s refused by a guard that allows everything: the test would not catch the hole", id)
			}
		}
		if len(*dialed) != len(ids) {
			t.Errorf("dialed %v", *dialed)
		}
	})
}

// A document whose client_id is not its URL is refused; with the check
// off, the same test sees it accepted.
func TestDocumentClientIDMismatch(t *testing.T) {
	ds := newDocServer(t)
	id := "https://client.test/client.json"
	ds.doc("/client.json", goodDoc("https://client.test/other.json"))
	for _, vulnerable := range []bool{false, true} {
		g, _ := ds.testGuard(publicAddress, publicNames)
		e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots, insecure: insecure{noDocumentID: vulnerable}}, nil)
		if got := cimdRefused(t, e, id); got == vulnerable {
			t.Errorf("vulnerable=%v: refused=%v", vulnerable, got)
		}
		if !vulnerable && !strings.Contains(e.logs(), "client_id mismatch") {
			t.Errorf("no reason logged:\n%s", e.logs())
		}
	}
}

// A document URL that redirects is refused; a fetcher that follows
// redirects (the vulnerable variant) accepts it.
func TestDocumentRedirect(t *testing.T) {
	ds := newDocServer(t)
	id := "https://client.test/moved.json"
	ds.handle("/moved.json", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere.json", http.StatusFound)
	})
	ds.doc("/elsewhere.json", goodDoc(id))
	for _, vulnerable := range []bool{false, true} {
		g, _ := ds.testGuard(publicAddress, publicNames)
		e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots, insecure: insecure{followRedirect: vulnerable}}, nil)
		if got := cimdRefused(t, e, id); got == vulnerable {
			t.Errorf("vulnerable=%v: refused=%v", vulnerable, got)
		}
		if !vulnerable && !strings.Contains(e.logs(), "redirects") {
			t.Errorf("no reason logged:\n%s", e.logs())
		}
	}
}

// What else a document must satisfy: its redirect URIs on the allow-list
// and in it, no shared secret, JSON within the size limit, an https URL
// with a path.
func TestDocumentChecks(t *testing.T) {
	ds := newDocServer(t)
	g, _ := ds.testGuard(publicAddress, publicNames)
	e := newEnv(t, Config{documentGuard: g, documentRoots: ds.roots}, nil)
	bad := map[string]map[string]any{}
	with := func(path string, k string, v any) {
		d := goodDoc("https://client.test" + path)
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
		bad[path] = d
	}
	with("/secret-basic.json", "token_endpoint_auth_method", "client_secret_basic")
	with("/secret-post.json", "token_endpoint_auth_method", "client_secret_post")
	with("/secret.json", "client_secret", "s3cret")
	with("/no-redirects.json", "redirect_uris", nil)
	with("/evil-redirect.json", "redirect_uris", []string{"https://evil.example/cb"})
	with("/userinfo-redirect.json", "redirect_uris", []string{"http://127.0.0.1:9@evil.example/callback"})
	for p, d := range bad {
		ds.doc(p, d)
	}
	ds.handle("/big.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		d := goodDoc("https://client.test/big.json")
		d["client_uri"] = strings.Repeat("x", maxDocumentSize)
		json.NewEncoder(w).Encode(d)
	})
	ds.handle("/html.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		json.NewEncoder(w).Encode(goodDoc("https://client.test/html.json"))
	})
	ids := []string{"https://client.test/big.json", "https://client.test/html.json", "https://client.test/missing.json",
		"https://user@client.test/secret.json", "https://client.test/a/../secret.json"}
	for p := range bad {
		ids = append(ids, "https://client.test"+p)
	}
	for _, id := range ids {
		if !cimdRefused(t, e, id) {
			t.Errorf("%s accepted", id)
		}
	}
	// Not a document URL at all: an unknown client.
	for _, id := range []string{"https://client.test/", "https://client.test", "http://client.test/client.json"} {
		if !cimdRefused(t, e, id) {
			t.Errorf("%s accepted", id)
		}
	}
	// A redirect URI the document lists is still checked at authorize.
	ds.doc("/ok.json", goodDoc("https://client.test/ok.json"))
	s := newBrowser(t).do(http.MethodGet, e.authorizeURL("https://client.test/ok.json", "http://127.0.0.1:9/other", newPKCE(), nil), nil)
	if s.status != http.StatusBadRequest || s.header.Get("Location") != "" {
		t.Errorf("unregistered redirect: %d %s", s.status, s.location())
	}
}
