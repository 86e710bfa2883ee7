package tasks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/testenv"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// Benchmarks: a task's creation to completion (over HTTP, the completion
// seen through the store's events) with the memory and Redis stores at 1,
// 16 and 64 tasks at once; and what task=optional costs a call that is
// not a task.
//
//	go test ./runtime/tasks -run '^$' -bench . -benchtime 2000x

func noopTools() []*runtime.Tool {
	h := func(ctx context.Context, _ json.RawMessage) (*runtime.CallToolResult, error) {
		if err := runtime.Detach(ctx); err != nil {
			return nil, err
		}
		return runtime.TextResult("done"), nil
	}
	return []*runtime.Tool{
		{Name: "noop_task", InputSchema: schema(), TaskSupport: runtime.TaskOptional, Handler: h},
		{Name: "noop", InputSchema: schema(), TaskSupport: runtime.TaskForbidden, Handler: h},
	}
}

func benchServer(b *testing.B, store tasks.Store) (*runtime.Server, *httptest.Server) {
	b.Helper()
	srv := runtime.NewServer(&runtime.Implementation{Name: "bench", Version: "1"}, &runtime.Options{Stateless: true, JSONResponse: true})
	if err := srv.Add(&runtime.Components{Tools: noopTools()}); err != nil {
		b.Fatal(err)
	}
	if _, err := tasks.Register(srv, &tasks.Options{Store: store, Workers: 64}); err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		hs.Close()
		srv.Close(context.Background())
	})
	return srv, hs
}

func callBody(tool string, ext bool) []byte {
	caps := map[string]any{}
	if ext {
		caps["extensions"] = map[string]any{tasks.ExtensionID: map[string]any{}}
	}
	js, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{
		"name": tool, "arguments": map[string]any{},
		"_meta": map[string]any{"io.modelcontextprotocol/protocolVersion": "2026-07-28",
			"io.modelcontextprotocol/clientInfo": map[string]any{"name": "b", "version": "1"}, "io.modelcontextprotocol/clientCapabilities": caps},
	}})
	return js
}

func post(client *http.Client, url, tool string, body []byte) ([]byte, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", tool)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func benchStores(b *testing.B) map[string]func(b *testing.B) tasks.Store {
	return map[string]func(b *testing.B) tasks.Store{
		"memory": func(b *testing.B) tasks.Store { return tasks.NewMemory(0) },
		"redis": func(b *testing.B) tasks.Store {
			return redisStore(b, testenv.RedisAddr(b, "runtime/tasks"))
		},
	}
}

// BenchmarkTaskCreateToComplete creates tasks of a tool that returns at
// once and waits for each to complete: ns/op is the inverse of the
// throughput; ms/task is each task's own time from the request to its
// completion.
func BenchmarkTaskCreateToComplete(b *testing.B) {
	for _, name := range []string{"memory", "redis"} {
		for _, conc := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/%d", name, conc), func(b *testing.B) {
				store := benchStores(b)[name](b)
				_, hs := benchServer(b, store)
				var mu sync.Mutex
				done := map[string]chan struct{}{}
				early := map[string]bool{}
				stop, err := store.Subscribe(context.Background(), func(ev tasks.Event) {
					if ev.Status != tasks.Completed {
						return
					}
					mu.Lock()
					if ch, ok := done[ev.ID]; ok {
						close(ch)
						delete(done, ev.ID)
					} else {
						early[ev.ID] = true
					}
					mu.Unlock()
				})
				if err != nil {
					b.Fatal(err)
				}
				defer stop()
				body := callBody("noop_task", true)
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
				var total time.Duration
				var totalMu sync.Mutex
				b.ResetTimer()
				var wg sync.WaitGroup
				per := (b.N + conc - 1) / conc
				for w := 0; w < conc; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < per; i++ {
							start := time.Now()
							raw, err := post(client, hs.URL, "noop_task", body)
							if err != nil {
								b.Error(err)
								return
							}
							var resp struct {
								Result struct {
									TaskID string `json:"taskId"`
								} `json:"result"`
							}
							json.Unmarshal(raw, &resp)
							id := resp.Result.TaskID
							if id == "" {
								b.Errorf("no task: %s", raw)
								return
							}
							ch := make(chan struct{})
							mu.Lock()
							if early[id] {
								delete(early, id)
								close(ch)
							} else {
								done[id] = ch
							}
							mu.Unlock()
							select {
							case <-ch:
							case <-time.After(30 * time.Second):
								b.Errorf("task %s did not complete", id)
								return
							}
							totalMu.Lock()
							total += time.Since(start)
							totalMu.Unlock()
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				n := per * conc
				b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/task")
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tasks/s")
			})
		}
	}
}

// BenchmarkOptionalOverhead calls the same handler as task=optional and
// as task=forbidden from a client that does not speak tasks (a normal
// call), in process (Serve) and over HTTP.
func BenchmarkOptionalOverhead(b *testing.B) {
	srv, hs := benchServer(b, tasks.NewMemory(0))
	for _, tool := range []string{"noop", "noop_task"} {
		b.Run("serve/"+tool, func(b *testing.B) {
			ctx := context.Background()
			req := &runtime.Request{Method: runtime.MethodCallTool, Name: tool, Arguments: json.RawMessage(`{}`)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := srv.Serve(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("http/"+tool, func(b *testing.B) {
			body := callBody(tool, false)
			client := &http.Client{}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := post(client, hs.URL, tool, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
