// Package runtime serves mcpgen-generated components over the Model Context
// Protocol. It is what generated code imports: component descriptors, result
// helpers, the Server (built on github.com/modelcontextprotocol/go-sdk) with
// its middleware chain, and request-context helpers for progress and logging.
//
// The Server owns its catalogue: providers (generated packages, mounted
// servers, Dynamic, package proxy) pass through transforms (package
// transform) into an immutable snapshot that answers every list, call,
// read, get and completion, seen by each request through its session's
// visibility rules and its principal's authorization (Tool.Auth and the
// like, AuthMiddleware; package auth verifies the tokens). Session state
// lives in a StateStore (package state).
//
// For production it masks errors (Options.MaskErrors, ToolError), bounds
// results (Tool.MaxResultBytes, TruncateResult), writes an access log
// (Options.AccessLog), answers health probes (LivenessHandler,
// ReadinessHandler) and shuts down gracefully (Shutdown); package limit
// adds response and rate limits as middleware, package otel tracing and
// metrics as an Observer.
package runtime
