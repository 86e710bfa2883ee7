package client

import (
	"strings"
	"testing"
)

// NewTestAuthServer starts the test authorization server and the MCP
// server it protects, for the package's external tests: it returns the
// MCP server's URL and the grant types of the token requests so far.
func NewTestAuthServer(t *testing.T) (string, func() string) {
	s := newAuthServer(t)
	return s.url(), func() string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return strings.Join(s.grants, ",")
	}
}
