package p

import "context"

// Args has fields JSON Schema cannot describe.
type Args struct {
	Updates chan int         `json:"updates"`
	OnDone  func()           `json:"on_done"`
	Z       complex128       `json:"z"`
	Ptr     uintptr          `json:"ptr"`
	Any     interface{ M() } `json:"any"`
}

// Use uses Args.
//
//mcp:tool
func Use(ctx context.Context, in Args) (string, error) { return "", nil }
