package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/state/redisstore"
)

// Session state set through one replica is read through another when both
// keep it in Redis: two servers behind separate listeners, sessions named
// by a header (stateless HTTP, Options.SessionKey), one counter.
func TestStateAcrossReplicas(t *testing.T) {
	id := make([]byte, 6)
	rand.Read(id)
	prefix := "mcpgen-test-replicas:" + hex.EncodeToString(id) + ":"
	var urls []string
	for i := 0; i < 2; i++ {
		store := open(t, redisstore.Options{Prefix: prefix})
		s := runtime.NewServer(&runtime.Implementation{Name: "replica", Version: "1"}, &runtime.Options{
			Stateless:  true,
			State:      store,
			SessionKey: func(r *runtime.Request) string { return r.Header.Get("X-User") },
		})
		replica := fmt.Sprint(i)
		err := s.Add(&runtime.Components{Tools: []*runtime.Tool{{
			Name:        "count",
			Description: "counts calls per user",
			InputSchema: json.RawMessage(`{"type":"object"}`),
			Handler: func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
				n, _, err := runtime.GetState[int](ctx, "n")
				if err != nil {
					return nil, err
				}
				if err := runtime.SetState(ctx, "n", n+1); err != nil {
					return nil, err
				}
				return runtime.TextResult(fmt.Sprintf("replica %s: %d", replica, n+1)), nil
			},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}

	call := func(url, user string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hc := &http.Client{Transport: userTransport(user)}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(ctx,
			&mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "count"})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError || len(res.Content) != 1 {
			t.Fatalf("count: %+v", res)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}

	steps := []struct {
		replica    int
		user, want string
	}{
		{0, "ann", "replica 0: 1"},
		{1, "ann", "replica 1: 2"},
		{1, "bob", "replica 1: 1"},
		{0, "ann", "replica 0: 3"},
		{0, "bob", "replica 0: 2"},
	}
	for _, s := range steps {
		if got := call(urls[s.replica], s.user); got != s.want {
			t.Errorf("%s through replica %d = %q, want %q", s.user, s.replica, got, s.want)
		}
	}
}

type userTransport string

func (u userTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-User", string(u))
	return http.DefaultTransport.RoundTrip(r)
}
