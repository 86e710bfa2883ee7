package state_test

import (
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/state"
	"github.com/mcpgen/mcpgen/runtime/state/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) runtime.StateStore { return state.NewMemory(0) })
}
