package client

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ParsePrivateKey reads a PEM private key (PKCS #8, SEC 1 EC or PKCS #1
// RSA) for OAuth.PrivateKey.
func ParsePrivateKey(pemBytes []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return nil, errors.New("oauth: no PEM block in the private key")
	}
	var k any
	var err error
	switch b.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: private key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok || jwtAlg(s) == "" {
		return nil, fmt.Errorf("oauth: private key of type %T: only P-256 ECDSA (ES256) and RSA (RS256) keys sign client assertions", k)
	}
	return s, nil
}

// jwtAlg is the JWS algorithm a key signs with ("" if none).
func jwtAlg(k crypto.Signer) string {
	switch k := k.Public().(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return "ES256"
		}
	case *rsa.PublicKey:
		return "RS256"
	}
	return ""
}

// signAssertion returns a client assertion JWT (RFC 7523 section 2.2)
// for clientID, addressed to audience, valid for a minute.
func signAssertion(k crypto.Signer, clientID, audience string, now time.Time) (string, error) {
	alg := jwtAlg(k)
	if alg == "" {
		return "", errors.New("oauth: the private key signs neither ES256 nor RS256")
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	header, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"iss": clientID, "sub": clientID, "aud": audience,
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": hex.EncodeToString(id[:]),
	})
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	var sig []byte
	switch k.Public().(type) {
	case *ecdsa.PublicKey:
		ek, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return "", fmt.Errorf("oauth: ES256 needs an *ecdsa.PrivateKey, not %T", k)
		}
		r, s, err := ecdsa.Sign(rand.Reader, ek, sum[:])
		if err != nil {
			return "", err
		}
		sig = make([]byte, 64) // JWS wants r and s, 32 bytes each, not ASN.1
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	default:
		var err error
		if sig, err = k.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
			return "", err
		}
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// credentialsHandler is an auth.OAuthHandler for the client credentials
// grant, the client authenticated with a signed JWT (private_key_jwt, RFC
// 7523), which go-sdk's extauth handler does not offer, or with its
// secret (client_secret_basic or client_secret_post). Unlike extauth's,
// its token requests name the resource (RFC 8707). It discovers the
// authorization server as go-sdk's handlers do (protected resource
// metadata, then authorization server metadata, with go-sdk's oauthex
// and auth functions) and keeps the scopes it asked for on step-up.
type credentialsHandler struct {
	clientID string
	key      crypto.Signer // nil: secret
	secret   string
	workload func(context.Context) (string, error) // non-nil: the JWT bearer grant with this assertion
	hc       *http.Client

	mu      sync.Mutex
	ts      oauth2.TokenSource
	granted []string // scopes asked for so far, kept on step-up
}

func (h *credentialsHandler) TokenSource(context.Context) (oauth2.TokenSource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ts, nil
}

func (h *credentialsHandler) Authorize(ctx context.Context, req *http.Request, resp *http.Response) error {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	hc := h.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	challenges, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return fmt.Errorf("oauth: WWW-Authenticate: %w", err)
	}
	var metaURL string
	var scopes []string
	for _, c := range challenges {
		if c.Scheme != "bearer" {
			continue
		}
		if metaURL == "" {
			metaURL = c.Params["resource_metadata"]
		}
		if scopes == nil && c.Params["scope"] != "" {
			scopes = strings.Fields(c.Params["scope"])
		}
	}
	resource := req.URL.String()
	prm, err := resourceMetadata(ctx, metaURL, req.URL, hc)
	if err != nil {
		return err
	}
	if len(prm.AuthorizationServers) == 0 {
		return errors.New("oauth: the protected resource metadata names no authorization server")
	}
	if prm.Resource != "" {
		resource = prm.Resource
	}
	asm, err := auth.GetAuthServerMetadata(ctx, prm.AuthorizationServers[0], hc)
	if err != nil {
		return fmt.Errorf("oauth: authorization server metadata: %w", err)
	}
	if asm == nil {
		return fmt.Errorf("oauth: no authorization server metadata for %s", prm.AuthorizationServers[0])
	}
	style, err := h.authStyle(asm.TokenEndpointAuthMethodsSupported)
	if err != nil {
		return err
	}
	if len(scopes) == 0 {
		scopes = prm.ScopesSupported
	}
	h.mu.Lock()
	for _, s := range scopes {
		if !slices.Contains(h.granted, s) {
			h.granted = append(h.granted, s)
		}
	}
	scopes = slices.Clone(h.granted)
	h.mu.Unlock()

	cctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	ts := oauth2.ReuseTokenSource(nil, tokenFunc(func() (*oauth2.Token, error) {
		cfg := &clientcredentials.Config{
			ClientID:       h.clientID,
			ClientSecret:   h.secret,
			TokenURL:       asm.TokenEndpoint,
			Scopes:         scopes,
			AuthStyle:      style,
			EndpointParams: url.Values{"resource": {resource}},
		}
		if h.workload != nil {
			a, err := h.workload(cctx)
			if err != nil {
				return nil, fmt.Errorf("workload token: %w", err)
			}
			cfg.EndpointParams.Set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
			cfg.EndpointParams.Set("assertion", a)
		}
		if h.key != nil {
			a, err := signAssertion(h.key, h.clientID, asm.Issuer, time.Now())
			if err != nil {
				return nil, err
			}
			cfg.EndpointParams.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			cfg.EndpointParams.Set("client_assertion", a)
		}
		return cfg.Token(cctx)
	}))
	if _, err := ts.Token(); err != nil {
		return fmt.Errorf("oauth: client credentials token request: %w", err)
	}
	h.mu.Lock()
	h.ts = ts
	h.mu.Unlock()
	return nil
}

// authStyle is how the client authenticates at a token endpoint that
// supports methods (none listed: client_secret_basic, the default of RFC
// 8414, or private_key_jwt for a key).
func (h *credentialsHandler) authStyle(methods []string) (oauth2.AuthStyle, error) {
	if h.key != nil {
		if len(methods) > 0 && !slices.Contains(methods, "private_key_jwt") {
			return 0, fmt.Errorf("oauth: the authorization server does not accept private_key_jwt (it offers %s)", strings.Join(methods, ", "))
		}
		return oauth2.AuthStyleInParams, nil
	}
	switch {
	case h.secret == "": // a public client: its ID in the form
		return oauth2.AuthStyleInParams, nil
	case len(methods) == 0 || slices.Contains(methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader, nil
	case slices.Contains(methods, "client_secret_post"):
		return oauth2.AuthStyleInParams, nil
	}
	return 0, fmt.Errorf("oauth: the authorization server accepts neither client_secret_basic nor client_secret_post (it offers %s)", strings.Join(methods, ", "))
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// resourceMetadata fetches the protected resource metadata of the server
// at u (RFC 9728): from the challenge's URL, else the well-known URL for
// u's path, else for its root.
func resourceMetadata(ctx context.Context, fromChallenge string, u *url.URL, hc *http.Client) (*oauthex.ProtectedResourceMetadata, error) {
	type try struct{ meta, resource string }
	var tries []try
	if fromChallenge != "" {
		tries = append(tries, try{fromChallenge, u.String()})
	}
	root := url.URL{Scheme: u.Scheme, Host: u.Host}
	if p := strings.Trim(u.Path, "/"); p != "" {
		m := root
		m.Path = "/.well-known/oauth-protected-resource/" + p
		tries = append(tries, try{m.String(), u.String()})
	}
	m := root
	m.Path = "/.well-known/oauth-protected-resource"
	tries = append(tries, try{m.String(), root.String()})
	var errs []error
	for _, t := range tries {
		prm, err := oauthex.GetProtectedResourceMetadata(ctx, t.meta, t.resource, hc)
		if err == nil && prm != nil {
			return prm, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return nil, fmt.Errorf("oauth: no protected resource metadata for %s: %w", u, errors.Join(errs...))
}
