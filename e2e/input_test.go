package e2e

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// inputClient connects to the test server with elicitation and sampling
// handlers, offering protocol version. It counts the input requests it
// answered and the resource updates it received.
type inputClient struct {
	cs               *mcp.ClientSession
	elicits, samples atomic.Int32
	updated          chan string
}

func connectInput(t *testing.T, transport, protocol, decision string, extra ...string) *inputClient {
	t.Helper()
	bin := buildBinary(t, "./testserver")
	var tr mcp.Transport
	switch transport {
	case "stdio":
		tr = &mcp.CommandTransport{Command: exec.Command(bin, extra...)}
	case "http":
		tr = &mcp.StreamableClientTransport{Endpoint: startHTTP(t, bin, extra...)}
	}
	ic := &inputClient{updated: make(chan string, 4)}
	client := mcp.NewClient(&mcp.Implementation{Name: "e2e-input", Version: "1.0.0"}, &mcp.ClientOptions{
		ElicitationHandler: func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			ic.elicits.Add(1)
			if !strings.Contains(req.Params.Message, "Rename note 1") {
				t.Errorf("elicitation message %q", req.Params.Message)
			}
			if decision != "accept" {
				return &mcp.ElicitResult{Action: decision}, nil
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"ok": true}}, nil
		},
		CreateMessageHandler: func(ctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			ic.samples.Add(1)
			return &mcp.CreateMessageResult{Role: "assistant", Model: "test", Content: &mcp.TextContent{Text: "Shiny"}}, nil
		},
		ResourceUpdatedHandler: func(ctx context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			ic.updated <- req.Params.URI
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		t.Fatalf("connect over %s (%s): %v", transport, protocol, err)
	}
	// Every era is served as itself, on one HTTP endpoint as on stdio:
	// older clients in a session, 2026-07-28 ones without.
	if got := cs.InitializeResult().ProtocolVersion; got != protocol {
		t.Fatalf("over %s, asked for %s, negotiated %s", transport, protocol, got)
	}
	if transport == "http" && (cs.ID() == "") != (protocol >= "2026-07-28") {
		t.Fatalf("over HTTP at %s: session id %q", protocol, cs.ID())
	}
	t.Cleanup(func() { cs.Close() })
	ic.cs = cs
	return ic
}

// One tool handler, written once with runtime.Elicit and runtime.Sample
// (two input requests in sequence), serves 2026-07-28 clients through
// multi round-trip results (also statelessly) and older clients through
// server-to-client requests on their session.
func TestInputRequestsAcrossProtocolVersions(t *testing.T) {
	for _, tc := range []struct {
		transport, protocol string
		extra               []string
		subscribe           bool
	}{
		{"stdio", "2025-11-25", nil, true},
		{"stdio", "2026-07-28", nil, true},
		{"http", "2025-06-18", nil, true},
		{"http", "2025-11-25", nil, true},
		{"http", "2026-07-28", nil, true},
		{"http", "2026-07-28", []string{"-stateless"}, false},
	} {
		name := tc.transport + "-" + tc.protocol + strings.Join(tc.extra, "")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ic := connectInput(t, tc.transport, tc.protocol, "accept", tc.extra...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.subscribe {
				if err := ic.cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "notes://1"}); err != nil {
					t.Fatalf("subscribe: %v", err)
				}
			}
			res, text := callText(t, ic.cs, "rename", map[string]any{"to": "groceries"})
			if res.IsError || text != `renamed to groceries, titled "Shiny"` {
				t.Fatalf("rename: isError=%v %q", res.IsError, text)
			}
			if e, s := ic.elicits.Load(), ic.samples.Load(); e != 1 || s != 1 {
				t.Errorf("client answered %d elicitations and %d sampling requests, want 1 and 1", e, s)
			}
			if tc.subscribe {
				select {
				case uri := <-ic.updated:
					if uri != "notes://1" {
						t.Errorf("updated %q", uri)
					}
				case <-ctx.Done():
					t.Error("no notifications/resources/updated for the subscribed resource")
				}
			}
		})
	}
}

func TestInputDeclined(t *testing.T) {
	for _, protocol := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			ic := connectInput(t, "http", protocol, "decline")
			res, text := callText(t, ic.cs, "rename", map[string]any{"to": "x"})
			if res.IsError || text != "not renamed (decline)" || ic.samples.Load() != 0 {
				t.Errorf("isError=%v %q samples=%d", res.IsError, text, ic.samples.Load())
			}
		})
	}
}

func TestCompletionAndSubscriptionErrors(t *testing.T) {
	// resources/subscribe is of 2025-11-25; a 2026-07-28 client listens
	// with subscriptions/listen instead, which names no resource to refuse.
	cs := connectAt(t, "http", "./testserver", "2025-11-25")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.Complete(ctx, &mcp.CompleteParams{
		Ref:      &mcp.CompleteReference{Type: "ref/resource", URI: "notes://{id}"},
		Argument: mcp.CompleteParamsArgument{Name: "id", Value: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Completion.Values; !slices.Equal(got, []string{"1", "10", "11"}) || res.Completion.Total != 3 {
		t.Errorf("completion = %+v", res.Completion)
	}
	if _, err := cs.Complete(ctx, &mcp.CompleteParams{
		Ref:      &mcp.CompleteReference{Type: "ref/prompt", Name: "nope"},
		Argument: mcp.CompleteParamsArgument{Name: "x", Value: ""},
	}); err == nil || !strings.Contains(err.Error(), `unknown prompt "nope"`) {
		t.Errorf("completing an unknown prompt: %v", err)
	}
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "nothing://here"}); err == nil {
		t.Error("subscribing to an unknown resource succeeded")
	}
	// The server keeps serving after the errors.
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
