package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpgoserver "github.com/mark3labs/mcp-go/server"
	"github.com/mcpgen/mcpgen/bench/tools"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Impls names the implementations the process benchmarks compare, in the
// order of the results table.
var Impls = []string{"mcpgen", "gosdk", "gosdk-raw", "mcpgo", "bare"}

// An Impl is one implementation ready to serve, each transport as its users
// run it: the mcpgen runtime with its defaults (ServeIO, Handler,
// ListenAndServe), go-sdk with mcp.IOTransport and its stateful streamable
// handler, mcp-go with its stdio server and its stateful streamable server,
// and Bare.
type Impl struct {
	// ServeIO serves one stdio session on r and w until r ends or ctx is done.
	ServeIO func(ctx context.Context, r io.Reader, w io.WriteCloser) error
	// Handler is the stateful streamable HTTP handler.
	Handler http.Handler
	// ListenAndServe serves Handler at /mcp on addr, calling ready with
	// the endpoint's URL once it listens, until ctx is done.
	ListenAndServe func(ctx context.Context, addr string, ready func(url string)) error
}

// descriptor is one tool of a tools/list result.
type descriptor struct {
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description,omitempty"`
	Annotations  json.RawMessage `json:"annotations,omitempty"`
	InputSchema  json.RawMessage `json:"inputSchema"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
	Meta         map[string]any  `json:"_meta,omitempty"`
}

// NewImpl returns the implementation named impl (one of Impls) serving the
// search tool or, when list is not nil, the tools of list (the "tools"
// array of a tools/list result, whose handlers are never called). The
// generic go-sdk server needs Go types, so it cannot serve a list.
func NewImpl(impl string, list json.RawMessage) (*Impl, error) {
	var descs []descriptor
	if list != nil {
		if err := json.Unmarshal(list, &descs); err != nil {
			return nil, fmt.Errorf("tool list: %v", err)
		}
	}
	switch impl {
	case "mcpgen":
		s := runtime.NewServer(ServerInfo, nil)
		comps := tools.Components()
		if descs != nil {
			comps = &runtime.Components{}
			for _, d := range descs {
				t := &runtime.Tool{Name: d.Name, Title: d.Title, Description: d.Description, InputSchema: d.InputSchema, OutputSchema: d.OutputSchema, Meta: d.Meta, Handler: unservedTool}
				if d.Annotations != nil {
					t.Annotations = new(runtime.ToolAnnotations)
					if err := json.Unmarshal(d.Annotations, t.Annotations); err != nil {
						return nil, err
					}
				}
				comps.Tools = append(comps.Tools, t)
			}
		}
		if err := s.Add(comps); err != nil {
			return nil, err
		}
		return &Impl{
			ServeIO: func(ctx context.Context, r io.Reader, w io.WriteCloser) error {
				return s.ServeIO(ctx, r, w)
			},
			Handler:        s.Handler(),
			ListenAndServe: s.ListenAndServe,
		}, nil
	case "gosdk", "gosdk-raw":
		var s *mcp.Server
		switch {
		case descs != nil && impl == "gosdk":
			return nil, errors.New("the generic go-sdk server needs Go types; it cannot serve a tool list")
		case descs != nil:
			s = mcp.NewServer(ServerInfo, nil)
			for _, d := range descs {
				t := &mcp.Tool{Name: d.Name, Title: d.Title, Description: d.Description, InputSchema: d.InputSchema, Meta: d.Meta}
				if d.OutputSchema != nil {
					t.OutputSchema = d.OutputSchema
				}
				if d.Annotations != nil {
					t.Annotations = new(mcp.ToolAnnotations)
					if err := json.Unmarshal(d.Annotations, t.Annotations); err != nil {
						return nil, err
					}
				}
				s.AddTool(t, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
					return nil, errors.New("not served")
				})
			}
		case impl == "gosdk":
			s = NewGoSDKServer()
		default:
			s = NewGoSDKRawServer()
		}
		h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
		return &Impl{
			ServeIO: func(ctx context.Context, r io.Reader, w io.WriteCloser) error {
				return s.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(r), Writer: w})
			},
			Handler:        h,
			ListenAndServe: listenAndServe(h),
		}, nil
	case "mcpgo":
		var s *mcpgoserver.MCPServer
		if descs == nil {
			s = NewMCPGoServer(false)
		} else {
			s = mcpgoserver.NewMCPServer(ServerInfo.Name, ServerInfo.Version)
			for _, d := range descs {
				t := mcpgo.NewToolWithRawSchema(d.Name, d.Description, d.InputSchema)
				t.Title = d.Title
				t.RawOutputSchema = d.OutputSchema
				if d.Annotations != nil {
					if err := json.Unmarshal(d.Annotations, &t.Annotations); err != nil {
						return nil, err
					}
				}
				if d.Meta != nil {
					t.Meta = &mcpgo.Meta{AdditionalFields: d.Meta}
				}
				s.AddTool(t, func(context.Context, mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
					return nil, errors.New("not served")
				})
			}
		}
		h := mcpgoserver.NewStreamableHTTPServer(s, mcpgoserver.WithStateful(true))
		return &Impl{
			ServeIO: func(ctx context.Context, r io.Reader, w io.WriteCloser) error {
				return mcpgoserver.NewStdioServer(s).Listen(ctx, r, w)
			},
			Handler:        h,
			ListenAndServe: listenAndServe(h),
		}, nil
	case "bare":
		b := &BareHTTP{Bare: Bare{Tools: list}}
		return &Impl{
			ServeIO: func(ctx context.Context, r io.Reader, w io.WriteCloser) error {
				return b.ServeStdio(ctx, r, w)
			},
			Handler:        b,
			ListenAndServe: listenAndServe(b),
		}, nil
	}
	return nil, fmt.Errorf("unknown implementation %q", impl)
}

func unservedTool(context.Context, json.RawMessage) (*runtime.CallToolResult, error) {
	return nil, errors.New("not served")
}

// listenAndServe serves h at /mcp with the http.Server settings of the
// mcpgen runtime's ListenAndServe, so that every HTTP row runs with the
// same timeouts.
func listenAndServe(h http.Handler) func(ctx context.Context, addr string, ready func(url string)) error {
	return func(ctx context.Context, addr string, ready func(url string)) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("/mcp", h)
		srv := &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       runtime.DefaultReadTimeout,
			WriteTimeout:      runtime.DefaultWriteTimeout,
			IdleTimeout:       runtime.DefaultIdleTimeout,
		}
		ready("http://" + ln.Addr().String() + "/mcp")
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
