package main

import (
	"bytes"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestProgressPrinter(t *testing.T) {
	updates := []*mcp.ProgressNotificationParams{
		{Progress: 1, Total: 4, Message: "fetching"},
		{Progress: 3, Total: 4},
		{Progress: 9, Total: 4, Message: "overshoot"}, // clamped to 100%
		{Progress: 7, Message: "no total"},
	}
	for _, tc := range []struct {
		name     string
		terminal bool
		want     string
	}{
		{"lines", false, "progress 1/4 fetching\nprogress 3/4 \n[info] halfway\nprogress 9/4 overshoot\nprogress 7 no total\n"},
		{"bar", true, "\r[███████·······················]  25% fetching\x1b[K" +
			"\r[██████████████████████········]  75% \x1b[K" +
			"\r\x1b[K[info] halfway\n" + // the bar is cleared for a log line

			"\r[██████████████████████████████] 100% overshoot\x1b[K" +
			"\r7 no total\x1b[K" +
			"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := &progressPrinter{w: &buf, terminal: tc.terminal}
			for i, u := range updates {
				if i == 2 {
					p.message("[info] halfway")
				}
				p.update(u)
			}
			p.done()
			p.done() // a second done writes nothing more
			if got := buf.String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
