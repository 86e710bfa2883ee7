package main

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// replica names this process in results, so that one can see which
// replica did what (MCPGEN_REPLICA).
var replica = "replica"

// README: tasks-tool

// RenderArgs are the arguments of render.
type RenderArgs struct {
	Label   string  `json:"label"`
	Seconds float64 `json:"seconds" mcp:"min=0,max=3600"`
}

// Render renders a report, which takes the given seconds: a background
// task for clients that speak tasks. Running it twice does no harm, so a
// task whose replica died is run again by another.
//
//mcp:tool task=optional idempotent
func Render(ctx context.Context, in RenderArgs) (string, error) {
	runtime.Progress(ctx, 0, 1, "rendering "+in.Label)
	if err := wait(ctx, in.Seconds); err != nil {
		return "", err
	}
	return fmt.Sprintf("rendered %s on %s", in.Label, replica), nil
}

// README end

// ChargeArgs are the arguments of charge.
type ChargeArgs struct {
	Cents   int     `json:"cents" mcp:"min=1"`
	Seconds float64 `json:"seconds" mcp:"min=0,max=3600"`
}

// Charge charges a card, which takes the given seconds. It must not run
// twice: a task whose replica died fails rather than charging again.
//
//mcp:tool task=optional
func Charge(ctx context.Context, in ChargeArgs) (string, error) {
	if err := wait(ctx, in.Seconds); err != nil {
		return "", err
	}
	return fmt.Sprintf("charged %d cents on %s", in.Cents, replica), nil
}

// ConfirmArgs are the arguments of confirm.
type ConfirmArgs struct {
	Item string `json:"item"`
}

// Confirm asks the user before deleting an item.
//
//mcp:tool task=optional
func Confirm(ctx context.Context, in ConfirmArgs) (string, error) {
	res, err := runtime.Elicit(ctx, "confirm", &runtime.ElicitParams{
		Message:         "Delete " + in.Item + "?",
		RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"ok": map[string]any{"type": "boolean"}}},
	})
	if err != nil {
		return "", err
	}
	if res.Action == "accept" && res.Content["ok"] == true {
		return fmt.Sprintf("deleted %s on %s", in.Item, replica), nil
	}
	return "kept " + in.Item, nil
}

// Count counts the calls of this session (its state is in Redis, so any
// replica counts on).
//
//mcp:tool task=forbidden
func Count(ctx context.Context) (string, error) {
	n, _, err := runtime.GetState[int](ctx, "count")
	if err != nil {
		return "", err
	}
	if err := runtime.SetState(ctx, "count", n+1); err != nil {
		return "", err
	}
	return fmt.Sprintf("call %d on %s", n+1, replica), nil
}

func wait(ctx context.Context, seconds float64) error {
	t := time.NewTimer(time.Duration(seconds * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
