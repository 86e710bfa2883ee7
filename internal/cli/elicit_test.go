package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func confirmRequest() *mcp.ElicitRequest {
	return &mcp.ElicitRequest{Params: &mcp.ElicitParams{Message: "Sure?",
		RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"sure": map[string]any{"type": "boolean"}}}}}
}

// A question gives up when its context ends, although stdin stays open
// and silent; a second question waiting its turn gives up too; the line
// typed later answers the next question.
func TestAskGivesUpWithContext(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	elicit, err := Elicitor("ask", pr, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := elicit(ctx, confirmRequest())
			done <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // both asked, one holding the turn
	cancel()
	for range 2 {
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("elicit = %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("elicit ignores its context while stdin is silent")
		}
	}

	go pw.Write([]byte("yes\n"))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	res, err := elicit(ctx2, confirmRequest())
	if err != nil || res.Action != "accept" || res.Content["sure"] != true {
		t.Fatalf("after: %+v, %v", res, err)
	}
	pw.Close()
	if res, err := elicit(ctx2, confirmRequest()); err != nil || res.Action != "decline" {
		t.Errorf("at the end of stdin: %+v, %v", res, err)
	}
}

func TestElicitDefault(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if m := ElicitDefault(f); m != "decline" {
		t.Errorf("a file: %q", m)
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_RDONLY, 0); err == nil {
		defer tty.Close()
		if m := ElicitDefault(tty); m != "ask" {
			t.Errorf("a terminal: %q", m)
		}
	}
}
