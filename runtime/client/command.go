package client

import (
	"context"
	"os/exec"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// DefaultTerminateDuration is how long closing a command's session waits
// for it to exit after closing its standard input, and again after
// SIGTERM, before killing it, when CommandTransport is given zero.
const DefaultTerminateDuration = 5 * time.Second

// CommandTransport returns a transport that starts cmd as a stdio server.
// Unlike a bare mcp.CommandTransport it owns everything cmd starts: the
// command runs in a process group of its own (on Unix), and closing the
// session, after the command has exited or been killed, ends what is left
// of the group with SIGTERM, then SIGKILL if it is still there terminate
// later. Launchers such as npx, uvx and shells run the real server as a
// grandchild, which would otherwise outlive the session. Closing follows
// the spec's stdio shutdown: close the server's input, wait terminate,
// SIGTERM, wait terminate, SIGKILL.
func CommandTransport(cmd *exec.Cmd, terminate time.Duration) mcp.Transport {
	if terminate <= 0 {
		terminate = DefaultTerminateDuration
	}
	ownGroup(cmd)
	return &groupTransport{inner: &mcp.CommandTransport{Command: cmd, TerminateDuration: terminate}, cmd: cmd, terminate: terminate}
}

type groupTransport struct {
	inner     *mcp.CommandTransport
	cmd       *exec.Cmd
	terminate time.Duration
}

func (t *groupTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	conn, err := t.inner.Connect(ctx)
	if err != nil {
		if t.cmd.Process != nil {
			endGroup(t.cmd.Process.Pid, t.terminate)
		}
		return nil, err
	}
	return &groupConn{Connection: conn, pid: t.cmd.Process.Pid, terminate: t.terminate}, nil
}

// groupConn is a command's connection whose Close also ends the
// command's process group.
type groupConn struct {
	mcp.Connection
	pid       int
	terminate time.Duration
}

func (c *groupConn) Close() error {
	err := c.Connection.Close()
	endGroup(c.pid, c.terminate)
	return err
}
