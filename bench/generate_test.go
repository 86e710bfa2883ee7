package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/bench/synth"
)

// BenchmarkGenerate500 times `mcpgen generate` end to end on a synthetic
// package of 500 annotated tools (ns/op; the generator is compiled
// beforehand, untimed) and reports `go build` of the result, with its
// dependencies already compiled, as the build-s/op metric. Each iteration
// writes a fresh module, so nothing is reused from the build cache for the
// package itself. Design targets: generate < 3 s, build < 10 s.
func BenchmarkGenerate500(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	bin := filepath.Join(tmp, "mcpgen")
	if err := synth.BuildGenerator(ctx, root, bin); err != nil {
		b.Fatal(err)
	}
	var build time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		m, err := synth.NewModule(filepath.Join(tmp, fmt.Sprintf("mod%d", i)), root, 500)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := m.Generate(ctx, bin); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := m.Tidy(ctx); err != nil {
			b.Fatal(err)
		}
		d, err := m.Build(ctx)
		if err != nil {
			b.Fatal(err)
		}
		build += d
		b.StartTimer()
	}
	b.ReportMetric(build.Seconds()/float64(b.N), "build-s/op")
}
