// Package state holds the session state stores a runtime.Server can use
// (Options.State): the in-memory store, which is the default, and the
// StateStore interface other stores (Redis, for several replicas)
// implement. Handlers read and write state with runtime.SetState,
// runtime.GetState and runtime.DeleteState.
package state

import (
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/internal/memstore"
)

// Store is the interface a session state store implements.
type Store = runtime.StateStore

// Memory is an in-memory Store with per-entry expiry and a bound on its
// size. It is what a server uses when Options.State is nil.
type Memory = memstore.Store

// NewMemory returns an in-memory store holding at most maxEntries entries
// (0 means memstore.DefaultMaxEntries, about a million). When full, it
// drops expired entries first, then those closest to expiry.
func NewMemory(maxEntries int) *Memory { return memstore.New(maxEntries) }

var _ Store = (*Memory)(nil)
