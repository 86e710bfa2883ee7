package tasks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/tasks"
	"github.com/mcpgen/mcpgen/runtime/tasks/taskstest"
)

func TestMemoryContract(t *testing.T) {
	taskstest.Run(t, func(t *testing.T) tasks.Store {
		m := tasks.NewMemory(0)
		t.Cleanup(func() { m.Close() })
		return m
	})
}

// A full memory store refuses new tasks rather than growing.
func TestMemoryBounded(t *testing.T) {
	m := tasks.NewMemory(3)
	defer m.Close()
	ctx := context.Background()
	for i := range 4 {
		now := time.Now()
		err := m.Create(ctx, &tasks.Task{ID: tasks.NewID(), Status: tasks.Working, CreatedAt: now, TTL: time.Hour})
		if i < 3 && err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
		if i == 3 && !errors.Is(err, tasks.ErrFull) {
			t.Fatalf("Create beyond the bound = %v, want ErrFull", err)
		}
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d", m.Len())
	}
}

// Close ends a waiting Claim.
func TestMemoryCloseEndsClaim(t *testing.T) {
	m := tasks.NewMemory(0)
	errc := make(chan error, 1)
	go func() {
		_, err := m.Claim(context.Background(), "w", time.Second)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	m.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, tasks.ErrClosed) {
			t.Fatalf("Claim after Close = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Claim did not return after Close")
	}
}
