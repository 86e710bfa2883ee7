package runtime

import (
	"context"
	"encoding/json"
	"testing"
)

// A task runs as its call would have: created over stdio, where
// authorization checks are skipped, it runs with them skipped too; over
// HTTP without a principal, a protected tool stays hidden.
func TestRunTaskKeepsTheTransport(t *testing.T) {
	s := NewServer(&Implementation{Name: "t", Version: "1"}, nil)
	secret := tool("secret", "", text("s3cret"))
	secret.Auth = []AuthCheck{RequireScopes("admin")}
	must(t, s.Add(&Components{Tools: []*Tool{secret}}))
	ctx := context.Background()
	res, _, err := s.RunTask(ctx, &TaskRun{TaskID: "t1", Name: "secret", Arguments: json.RawMessage(`{}`), Transport: TransportStdio})
	if err != nil || res == nil || res.IsError {
		t.Fatalf("a stdio task of a protected tool: %+v, %v", res, err)
	}
	res, _, err = s.RunTask(ctx, &TaskRun{TaskID: "t2", Name: "secret", Arguments: json.RawMessage(`{}`), Transport: TransportHTTP})
	if err == nil && res != nil && !res.IsError {
		t.Fatalf("an HTTP task without a principal ran the protected tool: %+v", res)
	}
}
