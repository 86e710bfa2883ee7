package oauthproxy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// The proxy's access tokens are JWTs (RFC 9068 profile) signed with
// HS256 under a key only the proxy holds: it is their only issuer and
// their only verifier, so nothing is gained from a key pair, and one
// fixed header leaves no algorithm to confuse.

// tokenHeader is the header of every token the proxy signs; a token with
// any other header is refused before its signature is looked at.
const tokenHeader = `{"alg":"HS256","typ":"at+jwt"}`

var encodedHeader = base64.RawURLEncoding.EncodeToString([]byte(tokenHeader))

// tokenClaims are the claims of an access token.
type tokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	ID       string `json:"jti"`
}

func signToken(key []byte, c *tokenClaims) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signed := encodedHeader + "." + base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

var errBadToken = errors.New("not a token this proxy signed")

// parseToken checks the header and the signature of token and returns its
// claims, unchecked.
func parseToken(key []byte, token string) (*tokenClaims, error) {
	if len(token) > 8192 {
		return nil, errBadToken
	}
	h, rest, ok := strings.Cut(token, ".")
	if !ok || h != encodedHeader {
		return nil, errBadToken
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return nil, errBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, errBadToken
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(token[:len(h)+1+len(body)]))
	if !hmac.Equal(got, m.Sum(nil)) {
		return nil, errBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, errBadToken
	}
	var c tokenClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, errBadToken
	}
	return &c, nil
}
