package main

import (
	"context"
	"fmt"

	"github.com/mcpgen/mcpgen/internal/cli"
	"github.com/spf13/cobra"
)

// targetArgs are a client command's positional arguments: its target (a
// spec, or the stdio command after --; see split) and the arguments after
// the target.
type targetArgs struct {
	spec          string
	command, rest []string
}

// onSession returns the RunE of a client command that works over one
// session with its target: it splits the arguments (a target is
// required), lets check vet them before connecting (nil: nothing may
// follow the target), connects with f's flags (logs to stderr) under a
// context that SIGINT, SIGTERM or SIGHUP ends, runs do with the arguments
// after the target, and closes the session.
func onSession(f *targetFlags, check func(targetArgs) error, do func(ctx context.Context, s *cli.Session, rest []string) error) func(*cobra.Command, []string) error {
	if check == nil {
		check = noArgs
	}
	return func(c *cobra.Command, args []string) error {
		spec, rest, command, err := split(c, args, true)
		if err != nil {
			return err
		}
		if err := check(targetArgs{spec: spec, command: command, rest: rest}); err != nil {
			return err
		}
		ctx, cancel := signalContext()
		defer cancel()
		s, err := session(ctx, f, spec, command, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		return do(ctx, s, rest)
	}
}

// noArgs refuses arguments after the target.
func noArgs(a targetArgs) error {
	if len(a.rest) > 0 {
		return fmt.Errorf("unexpected arguments %q", a.rest)
	}
	return nil
}
