package otel

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ClientMiddleware returns a go-sdk sending middleware for an mcp.Client
// (mcp.Client.AddSendingMiddleware) that gives each request and
// notification the client sends a CLIENT span and an
// mcp.client.operation.duration measurement, and injects the span's
// context into its params._meta with the propagator. target says where
// the client connects: an http(s) URL (network.transport tcp, server.address
// and server.port from it) or "" for a stdio command (pipe).
//
// Injecting replaces the request's _meta map with a copy holding the
// propagation keys; the caller's map is left as it was.
func (in *Instrumentation) ClientMiddleware(target string) mcp.Middleware {
	if in == nil {
		return func(next mcp.MethodHandler) mcp.MethodHandler { return next }
	}
	base := clientTarget(target)
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			start := time.Now()
			op := base
			op.method = method
			describeParams(&op, req.GetParams())
			ctx, span := in.tracer.Start(ctx, in.spanName(&op), clientKind)
			if span.IsRecording() {
				span.SetAttributes(op.attributes(AttrServerAddress, AttrServerPort, in.opts.RecordArguments)...)
			}
			if p := req.GetParams(); p != nil && !isNilParams(p) {
				meta := maps.Clone(p.GetMeta())
				if meta == nil {
					meta = map[string]any{}
				}
				in.prop.Inject(ctx, metaCarrier(meta))
				if len(meta) > 0 {
					p.SetMeta(meta)
				}
			}
			res, err := next(ctx, method, req)
			in.finish(ctx, span, in.clientOp, &op, start, res, err)
			return res, err
		}
	}
}

// TrackSession measures cs's lifetime as mcp.client.session.duration,
// recorded when the session ends; target is as for ClientMiddleware.
func (in *Instrumentation) TrackSession(cs *mcp.ClientSession, target string) {
	if in == nil {
		return
	}
	start := time.Now()
	op := clientTarget(target)
	if ir := cs.InitializeResult(); ir != nil {
		op.protocol = ir.ProtocolVersion
	}
	go func() {
		err := cs.Wait()
		ctx := context.Background()
		if !in.clientSession.Enabled(ctx) {
			return
		}
		a := addString(make([]attribute.KeyValue, 0, 6), AttrProtocolVersion, op.protocol)
		a = op.appendPeer(op.appendNetwork(a), AttrServerAddress, AttrServerPort)
		if err != nil && err != mcp.ErrConnectionClosed {
			a = append(a, AttrErrorType.String("_OTHER"))
		}
		in.clientSession.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(a...))
	}()
}

// clientTarget describes the connection to target.
func clientTarget(target string) operation {
	u, err := url.Parse(target)
	if target == "" || err != nil || u.Host == "" {
		return operation{transport: "pipe"}
	}
	op := operation{transport: "tcp", netName: "http", peerAddr: u.Hostname()}
	if p := u.Port(); p != "" {
		op.peerPort, _ = strconv.Atoi(p)
	} else if u.Scheme == "https" {
		op.peerPort = 443
	} else {
		op.peerPort = 80
	}
	return op
}

// describeParams fills in the target, tool, prompt and resource of a
// request from its params.
func describeParams(op *operation, p mcp.Params) {
	switch p := p.(type) {
	case *mcp.CallToolParams:
		if p != nil {
			op.target, op.toolName = p.Name, p.Name
			if p.Arguments != nil {
				op.args, _ = json.Marshal(p.Arguments)
			}
		}
	case *mcp.CallToolParamsRaw:
		if p != nil {
			op.target, op.toolName, op.args = p.Name, p.Name, p.Arguments
		}
	case *mcp.GetPromptParams:
		if p != nil {
			op.target, op.promptName = p.Name, p.Name
		}
	case *mcp.ReadResourceParams:
		if p != nil {
			op.uri = p.URI
		}
	case *mcp.SubscribeParams:
		if p != nil {
			op.uri = p.URI
		}
	case *mcp.UnsubscribeParams:
		if p != nil {
			op.uri = p.URI
		}
	}
}

// isNilParams reports whether p is a typed nil pointer, as go-sdk passes
// for requests sent without params.
func isNilParams(p mcp.Params) bool {
	v := reflect.ValueOf(p)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
