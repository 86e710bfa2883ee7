package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
cpu: Test CPU
BenchmarkHTTP/2025-11-25/mcpgen-2     100   100000 ns/op   10000 B/op   100 allocs/op
BenchmarkHTTP/2025-11-25/gosdk-2      100   400000 ns/op  400000 B/op   500 allocs/op
BenchmarkHTTP/2025-11-25/gosdk-2      100   600000 ns/op  400000 B/op   500 allocs/op
BenchmarkHTTP/2025-11-25/mcpgo-2      100   200000 ns/op   20000 B/op   200 allocs/op
BenchmarkHTTP/2025-11-25/baseline-2   100    50000 ns/op    5000 B/op    50 allocs/op
BenchmarkGenerate500-2                  1   2000000000 ns/op   4.500 build-s/op
PASS
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"`cpu: Test CPU`",
		"| http | 2025-11-25 | mcpgen | 100.0 | 10000 | 100 | 2.00× | 2.00× | 40.00× |",
		// two runs of gosdk are averaged: 500 µs
		"| http | 2025-11-25 | gosdk | 500.0 | 400000 | 500 | 10.00× | 0.40× | 1.00× |",
		"| http | 2025-11-25 | baseline | 50.0 | 5000 | 50 | 1.00× | 4.00× | 80.00× |",
		"Generate500: 2.00 s/op, 4.50 build-s/op",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q; got:\n%s", want, got)
		}
	}
}

func TestRunRejectsEmptyInput(t *testing.T) {
	var out strings.Builder
	if err := run(strings.NewReader("PASS\n"), &out); err == nil {
		t.Fatal("no error for input without benchmark lines")
	}
}
