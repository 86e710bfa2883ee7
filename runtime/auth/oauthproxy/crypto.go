package oauthproxy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
)

// keys are the proxy's secrets, each derived from Config.Key with HKDF
// for one purpose, so that no key serves two.
type keys struct {
	token  []byte      // HMAC-SHA256 key signing the access tokens (HS256)
	cookie []byte      // HMAC-SHA256 key for consent binding and CSRF tokens
	aead   cipher.AEAD // AES-256-GCM sealing the upstream tokens at rest
}

func deriveKeys(master []byte) (*keys, error) {
	derive := func(info string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "mcpgen oauthproxy v1 "+info, 32)
	}
	tok, err := derive("access token signing")
	if err != nil {
		return nil, err
	}
	ck, err := derive("consent cookie")
	if err != nil {
		return nil, err
	}
	ek, err := derive("upstream token encryption")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(ek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keys{token: tok, cookie: ck, aead: aead}, nil
}

// seal encrypts plain with a fresh random nonce; aad binds the
// ciphertext to where it is stored (it opens nowhere else).
func (k *keys) seal(plain, aad []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plain, aad)
}

func (k *keys) open(sealed, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], aad)
}

// mac is the cookie key's HMAC over parts, each length-prefixed so that
// no two lists of parts sign the same bytes.
func (k *keys) mac(parts ...string) string {
	h := hmac.New(sha256.New, k.cookie)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// equalMAC compares two MACs in constant time.
func equalMAC(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// digest names a secret (a code, a refresh token, a transaction id, a
// client secret) in the store by its SHA-256, so that reading the store
// gives no usable credential.
func digest(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

// s256 is the PKCE S256 code challenge of verifier (RFC 7636).
func s256(verifier string) string {
	s := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(s[:])
}
