package client_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/readme"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The README's stored login: the first connection authorizes, the second
// uses the token in the file.
func TestFileStoreREADME(t *testing.T) {
	serverURL, grants := client.NewTestAuthServer(t)
	path := filepath.Join(t.TempDir(), "tokens", "server.json")
	// The test's authorization server redirects at once.
	redirectURL, authorize := "http://127.0.0.1:1/callback", client.FollowRedirect(nil)
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		// README: oauth-store
		opts := &client.Options{OAuth: &client.OAuth{
			RedirectURL:   redirectURL, // where Authorize gets the redirect: http://127.0.0.1:PORT/callback
			Authorize:     authorize,   // shows the user the URL, returns the redirect's query
			RefreshTokens: true,
			Store:         &client.FileStore{Path: path}, // tokens and registered client, mode 0600
		}}
		cs, err := client.Connect(ctx, serverURL, opts) // later: the stored token, refreshed when expired
		// README end
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"}); err != nil {
			t.Fatal(err)
		}
		cs.Close()
		cancel()
	}
	if got := grants(); got != "authorization_code" {
		t.Errorf("token requests %q, want one authorization for both connections", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode() != 0o600 {
		t.Errorf("%s: %v, %v", path, st, err)
	}
	readme.Check(t, "../../README.md", "store_example_test.go", "oauth-store")
}
