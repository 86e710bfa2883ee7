//go:build unix

package client

import (
	"os/exec"
	"syscall"
	"time"
)

// ownGroup makes cmd the leader of a new process group.
func ownGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// endGroup sends SIGTERM to what is left of the process group led by pid
// and, in the background, SIGKILL after terminate if any of it remains.
func endGroup(pid int, terminate time.Duration) {
	if pid <= 0 || syscall.Kill(-pid, syscall.SIGTERM) != nil {
		return // the group is gone
	}
	time.AfterFunc(terminate, func() {
		if syscall.Kill(-pid, 0) == nil {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	})
}
