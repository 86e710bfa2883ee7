// Command testserver is an mcpgen server whose tools misbehave on purpose
// (panic, overrun their timeout, fail) alongside well-behaved ones, so that
// end-to-end tests can check the runtime contains each failure and keeps
// serving. It serves stdio by default and HTTP with -http ADDR.
package main

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// EchoArgs are the arguments of echo.
type EchoArgs struct {
	Text   string   `json:"text" mcp:"minLength=1,maxLength=100"`
	Repeat int      `json:"repeat,omitempty" mcp:"min=1,max=5,default=1"`
	Tags   []string `json:"tags,omitempty" mcp:"maxItems=3"`
}

// Echoed is what echo returns.
type Echoed struct {
	Text string   `json:"text"`
	Tags []string `json:"tags,omitempty"`
}

// Echo repeats a text.
//
//mcp:tool readonly
func Echo(ctx context.Context, in EchoArgs) (Echoed, error) {
	return Echoed{Text: strings.Repeat(in.Text, in.Repeat), Tags: in.Tags}, nil
}

// ExplodeArgs are the arguments of explode.
type ExplodeArgs struct {
	Message string `json:"message"`
}

// Explode panics with the given message, to show that a panicking tool
// becomes an error result and the server keeps serving.
//
//mcp:tool
func Explode(ctx context.Context, in ExplodeArgs) (string, error) {
	panic(in.Message)
}

// Fail returns an error, which the client sees as an isError result.
//
//mcp:tool
func Fail(ctx context.Context) (string, error) {
	return "", errors.New("the tool failed on purpose")
}

// LookupArgs are the arguments of lookup.
type LookupArgs struct {
	City string `json:"city"`
}

// README: lookup

// Lookup finds a city by name. Its error for an unknown city is meant for
// the model, so it is shown even with -mask-errors.
//
//mcp:tool readonly
func Lookup(ctx context.Context, in LookupArgs) (string, error) {
	if in.City != "Paris" {
		return "", runtime.ToolErrorf("no city named %q; try Paris", in.City)
	}
	return "Paris: 2.1 million people", nil
}

// README end

// PauseArgs are the arguments of pause.
type PauseArgs struct {
	Millis int `json:"millis" mcp:"min=0,max=60000"`
}

// Pause waits for the given time, reporting progress as it starts, and
// stops early if its call is cancelled: a call that is in flight when the
// server is told to stop.
//
//mcp:tool
func Pause(ctx context.Context, in PauseArgs) (string, error) {
	if err := runtime.Progress(ctx, 0, float64(in.Millis), "pausing"); err != nil {
		return "", err
	}
	select {
	case <-time.After(time.Duration(in.Millis) * time.Millisecond):
		return fmt.Sprintf("paused %dms", in.Millis), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Sleep ignores its context and outlives its timeout.
//
//mcp:tool timeout=200ms
func Sleep(ctx context.Context) (string, error) {
	time.Sleep(5 * time.Second)
	return "woke up", nil
}

// Note returns a stored note by id.
//
//mcp:resource uri=notes://{id} mime=text/plain
func Note(ctx context.Context, id int) (string, error) {
	if id == 13 { // an error that is not "not found": an internal error
		return "", errors.New("note 13: the disk is on fire")
	}
	if id < 1 || id > 3 {
		return "", fmt.Errorf("note %d: %w", id, runtime.ErrResourceNotFound)
	}
	return fmt.Sprintf("note number %d", id), nil
}

// confirmSchema asks for a yes/no answer and a reason.
const confirmSchema = `{"type":"object","properties":{"ok":{"type":"boolean","default":true},"reason":{"type":"string"}},"required":["ok"]}`

// Rename asks the user to confirm, then (only then) renames a note and
// tells subscribers of notes://1 that it changed. It shows that one
// handler written with runtime.Elicit works for every protocol version.
//
//mcp:tool
func Rename(ctx context.Context, in RenameArgs) (string, error) {
	ans, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{
		Message: fmt.Sprintf("Rename note 1 to %q?", in.To), RequestedSchema: json.RawMessage(confirmSchema)})
	if err != nil {
		return "", err
	}
	if ans.Action != "accept" || ans.Content["ok"] != true {
		return "not renamed (" + ans.Action + ")", nil
	}
	// The second answer arrives in the same round for 2026-07-28 clients
	// that answer both at once; ask for it only after the first.
	res, err := runtime.Sample(ctx, "title", &runtime.CreateMessageParams{
		Messages:  []*runtime.SamplingMessage{{Role: "user", Content: runtime.Text("Suggest a title for " + in.To)}},
		MaxTokens: 20,
	})
	if err != nil {
		return "", err
	}
	if err := runtime.NotifyResourceUpdated(ctx, "notes://1"); err != nil {
		return "", err
	}
	return fmt.Sprintf("renamed to %s, titled %q", in.To, runtime.SampledText(res)), nil
}

// RenameArgs are the arguments of rename.
type RenameArgs struct {
	To string `json:"to" mcp:"minLength=1"`
}

// CompleteID completes note ids.
//
//mcp:complete resource=notes://{id} arg=id
func CompleteID(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	for _, id := range []string{"1", "2", "3", "10", "11"} {
		if strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	return out, nil
}

// main serves the components. The argument -mask-errors sets
// Options.MaskErrors; the others are runtime.Server.RunArgs's.
func main() {
	var opts runtime.Options
	var args []string
	for _, a := range os.Args[1:] {
		if a == "-mask-errors" {
			opts.MaskErrors = true
			continue
		}
		args = append(args, a)
	}
	s := runtime.NewServer(&runtime.Implementation{Name: "testserver", Version: "0.0.1"}, &opts)
	if err := s.Add(Components()); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.RunArgs(ctx, args); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}
