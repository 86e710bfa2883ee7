// Package runtime serves mcpgen-generated components over the Model Context
// Protocol. It is what generated code imports: component descriptors, result
// helpers, the Server (built on github.com/modelcontextprotocol/go-sdk) with
// its middleware chain, and request-context helpers for progress and logging.
package runtime
