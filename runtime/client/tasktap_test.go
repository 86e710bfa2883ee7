package client

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// An SSE event longer than maxTapEvent passes through the tap as it came,
// without being read whole first; the events after it are tapped again.
func TestSSETapBoundsEvents(t *testing.T) {
	defer func(v int) { maxTapEvent = v }(maxTapEvent)
	maxTapEvent = 64 << 10
	huge := "data: " + strings.Repeat("x", 8<<20) + "\n\n"
	task := `{"jsonrpc":"2.0","id":2,"result":{"resultType":"task","taskId":"t9","status":"working"}}`
	src := &countingReader{r: io.MultiReader(strings.NewReader("event: message\n"+huge), strings.NewReader("data: "+task+"\n\n"))}
	tap := &sseTap{ts: &Tasks{}, body: io.NopCloser(nil), in: bufio.NewReader(src)}

	first := make([]byte, 100)
	n, err := tap.Read(first)
	if err != nil || n == 0 {
		t.Fatalf("first Read = %d, %v", n, err)
	}
	if got := src.n.Load(); got > int64(maxTapEvent)+64<<10 {
		t.Fatalf("the tap read %d bytes of an event before passing any on (bound %d)", got, maxTapEvent)
	}
	rest, err := io.ReadAll(tap)
	if err != nil {
		t.Fatal(err)
	}
	out := append(first[:n], rest...)
	want := "event: message\n" + huge
	if !bytes.HasPrefix(out, []byte(want)) {
		t.Fatalf("the long event changed (%d bytes out, want %d first)", len(out), len(want))
	}
	after := string(out[len(want):])
	if !strings.Contains(after, metaTask) || !strings.Contains(after, `"taskId":"t9"`) {
		t.Errorf("the event after the long one was not tapped: %q", after)
	}
}
