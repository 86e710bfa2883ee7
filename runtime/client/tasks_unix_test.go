//go:build unix

package client

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Over stdio (the test binary serving the task tools): the message tap
// does what the HTTP one does.
func TestTasksOverStdio(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MCPGEN_CLIENT_TEST_SERVER", "tasks")
	for _, version := range []string{"", "2025-11-25"} {
		t.Run("version="+version, func(t *testing.T) {
			var got states
			ctx := testCtx(t)
			cs, err := ConnectCommand(ctx, []string{bin}, &Options{ProtocolVersion: version, Elicit: AcceptDefaults, TaskStatus: got.add})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			var v jobResult
			if err := CallStructured(ctx, cs, "job", "", []byte(`{"n":2}`), &v, jobReader); err != nil || v.N != 2 || !v.Task {
				t.Fatalf("job: %+v, %v", v, err)
			}
			if r, _, err := CallTool(ctx, cs, "confirm", "", nil); err != nil || Text(r.Content) != "accept: true" {
				t.Errorf("confirm: %v, %v", r, err)
			}
			if !strings.HasSuffix(got.statuses(), "completed") {
				t.Errorf("statuses %q", got.statuses())
			}
			// Cancelled by ctx: the server says cancelled afterwards.
			cctx, cancel := context.WithCancel(ctx)
			_, task, err := StartCall(cctx, cs, &mcp.CallToolParams{Name: "job", Arguments: map[string]any{"wait": true}})
			if err != nil || task == nil {
				t.Fatalf("StartCall: %v, %v", task, err)
			}
			cancel()
			if _, err := task.Wait(cctx); !errors.Is(err, context.Canceled) {
				t.Errorf("Wait = %v", err)
			}
			if st, err := task.Get(ctx); err != nil || st.Status != TaskCancelled {
				t.Errorf("after cancelling: %+v, %v", st, err)
			}
		})
	}
}
