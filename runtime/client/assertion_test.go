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
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// verifyJWT checks a compact JWS against pub and returns its header and
// claims.
func verifyJWT(t *testing.T, jwt string, pub crypto.PublicKey) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	dec := base64.RawURLEncoding
	sig, err := dec.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		if len(sig) != 64 || !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Fatal("bad ES256 signature")
		}
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("bad RS256 signature: %v", err)
		}
	}
	for i, v := range []*map[string]any{&header, &claims} {
		js, err := dec.DecodeString(parts[i])
		if err != nil || json.Unmarshal(js, v) != nil {
			t.Fatalf("part %d of the JWT: %s", i, js)
		}
	}
	return header, claims
}

// The client credentials grant: the token request authenticates the
// client as the authorization server asks, with a client assertion signed
// with the key (ES256 or RS256; for the client, addressed to the issuer)
// or with the secret (client_secret_basic, client_secret_post), and names
// the resource; the token then works. So does the JWT bearer grant of a
// public client with a workload token.
func TestClientCredentials(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	for _, tc := range []struct {
		name   string
		method string // the token endpoint's only auth method
		pem    []byte
		pub    crypto.PublicKey
	}{
		{"ES256", "private_key_jwt", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), &ec.PublicKey},
		{"RS256", "private_key_jwt", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}), &rk.PublicKey},
		{"basic", "client_secret_basic", nil, nil},
		{"post", "client_secret_post", nil, nil},
		{"workload", "none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newAuthServer(t)
			s.methods = []string{tc.method}
			var requests int
			token := s.as.Config.Handler
			s.as.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/token" {
					token.ServeHTTP(w, r)
					return
				}
				requests++
				r.ParseForm()
				f := r.PostForm
				want := "client_credentials"
				if tc.name == "workload" {
					want = "urn:ietf:params:oauth:grant-type:jwt-bearer"
				}
				if f.Get("grant_type") != want {
					t.Errorf("grant_type = %q, want %q", f.Get("grant_type"), want)
				}
				if f.Get("resource") != s.url() {
					t.Errorf("resource = %q, want %q", f.Get("resource"), s.url())
				}
				id, secret, basic := r.BasicAuth()
				switch tc.method {
				case "private_key_jwt":
					if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || basic || f.Has("client_secret") {
						t.Errorf("token request %v", f)
					}
					h, c := verifyJWT(t, f.Get("client_assertion"), tc.pub)
					if h["alg"] != tc.name || c["iss"] != "svc" || c["sub"] != "svc" || c["aud"] != s.as.URL || c["jti"] == "" {
						t.Errorf("header %v, claims %v", h, c)
					}
					if exp, _ := c["exp"].(float64); time.Unix(int64(exp), 0).Before(time.Now()) {
						t.Errorf("expired assertion: %v", c)
					}
				case "client_secret_basic":
					if !basic || id != "svc" || secret != "s3cret" || f.Has("client_secret") {
						t.Errorf("basic auth %v %q %q, form %v", basic, id, secret, f)
					}
				case "none":
					if basic || f.Get("client_id") != "svc" || f.Has("client_secret") || f.Get("assertion") != "workload-jwt" {
						t.Errorf("basic auth %v, form %v", basic, f)
					}
				case "client_secret_post":
					if basic || f.Get("client_id") != "svc" || f.Get("client_secret") != "s3cret" {
						t.Errorf("basic auth %v, form %v", basic, f)
					}
				}
				s.mu.Lock()
				s.valid["cc-token"] = true
				s.mu.Unlock()
				writeJSON(w, map[string]any{"access_token": "cc-token", "token_type": "Bearer", "expires_in": 3600})
			})
			o := &OAuth{ClientCredentials: true, ClientID: "svc"}
			if tc.pem != nil {
				k, err := ParsePrivateKey(tc.pem)
				if err != nil {
					t.Fatal(err)
				}
				o.PrivateKey = k
			} else if tc.name == "workload" {
				o = &OAuth{ClientID: "svc", WorkloadToken: func(context.Context) (string, error) { return "workload-jwt", nil }}
			} else {
				o.ClientSecret = "s3cret"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cs, err := Connect(ctx, s.url(), &Options{OAuth: o})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"}); err != nil {
				t.Fatal(err)
			}
			if requests != 1 {
				t.Errorf("%d token requests, want 1", requests)
			}
		})
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(p384)
	for _, tc := range []struct {
		pem  []byte
		want string
	}{
		{[]byte("not a key"), "no PEM block"},
		{pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), "private key:"},
		{pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), "only P-256 ECDSA (ES256) and RSA (RS256)"},
	} {
		_, err := ParsePrivateKey(tc.pem)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.pem, err, tc.want)
		}
	}
}
