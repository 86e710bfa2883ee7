//go:build !unix

package client

import (
	"os/exec"
	"time"
)

// ownGroup does nothing where process groups are not Unix's: the command's
// own process is still ended by closing its session.
func ownGroup(*exec.Cmd) {}

func endGroup(int, time.Duration) {}
