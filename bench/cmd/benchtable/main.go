// Command benchtable turns the output of this module's benchmarks into the
// Markdown tables of results.md: one row per transport, protocol era and
// server, with each server's time against the baseline, its speed against
// mcp-go and its bytes against go-sdk's generic path. Repeated runs of a
// benchmark (-count) are averaged.
//
//	go test -run '^$' -bench . -benchmem | tee out.txt
//	go run ./cmd/benchtable < out.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// A sample sums the measurements of one benchmark over its runs.
type sample struct {
	runs                 int
	ns, bytes, allocs    float64
	extra                map[string]float64 // other units, e.g. build-s/op
	transport, era, name string
}

func (s *sample) mean(v float64) float64 { return v / float64(s.runs) }

var procSuffix = regexp.MustCompile(`-\d+$`)

func run(r io.Reader, w io.Writer) error {
	samples := map[string]*sample{}
	var order []string
	var header []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		for _, p := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, p) {
				header = append(header, line)
			}
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		s := samples[name]
		if s == nil {
			s = &sample{extra: map[string]float64{}}
			parts := strings.Split(strings.TrimPrefix(name, "Benchmark"), "/")
			if len(parts) == 3 {
				s.transport, s.era, s.name = parts[0], parts[1], parts[2]
			} else {
				s.name = strings.Join(parts, "/")
			}
			samples[name] = s
			order = append(order, name)
		}
		s.runs++
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %v", line, err)
			}
			switch f[i+1] {
			case "ns/op":
				s.ns += v
			case "B/op":
				s.bytes += v
			case "allocs/op":
				s.allocs += v
			default:
				s.extra[f[i+1]] += v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(samples) == 0 {
		return fmt.Errorf("no benchmark lines in the input")
	}
	for _, h := range header {
		fmt.Fprintf(w, "`%s`  \n", h)
	}
	fmt.Fprintln(w)

	// Group the tools/call rows by transport and era, in input order.
	type group struct{ transport, era string }
	var groups []group
	rows := map[group][]*sample{}
	var others []*sample
	for _, name := range order {
		s := samples[name]
		if s.transport == "" {
			others = append(others, s)
			continue
		}
		g := group{s.transport, s.era}
		if rows[g] == nil {
			groups = append(groups, g)
		}
		rows[g] = append(rows[g], s)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].transport < groups[j].transport })
	if len(groups) > 0 {
		fmt.Fprintln(w, "| transport | era | server | µs/op | B/op | allocs/op | time vs baseline | speed vs mcpgo | bytes vs gosdk |")
		fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	}
	for _, g := range groups {
		find := func(name string) *sample {
			for _, s := range rows[g] {
				if s.name == name {
					return s
				}
			}
			return nil
		}
		base, mcpgo, gosdk := find("baseline"), find("mcpgo"), find("gosdk")
		for _, s := range rows[g] {
			ns, b := s.mean(s.ns), s.mean(s.bytes)
			fmt.Fprintf(w, "| %s | %s | %s | %.1f | %.0f | %.0f | %s | %s | %s |\n",
				strings.ToLower(g.transport), g.era, s.name, ns/1000, b, s.mean(s.allocs),
				ratio(ns, base, func(o *sample) float64 { return o.mean(o.ns) }, false),
				ratio(ns, mcpgo, func(o *sample) float64 { return o.mean(o.ns) }, true),
				ratio(b, gosdk, func(o *sample) float64 { return o.mean(o.bytes) }, true))
		}
	}
	for _, s := range others {
		fmt.Fprintf(w, "\n%s: %.2f s/op", s.name, s.mean(s.ns)/1e9)
		keys := make([]string, 0, len(s.extra))
		for k := range s.extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, ", %.2f %s", s.mean(s.extra[k]), k)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// ratio formats v against the reference sample's value: v/ref, or ref/v
// when inverse is set (so that bigger is better). It is "-" without a
// reference.
func ratio(v float64, ref *sample, get func(*sample) float64, inverse bool) string {
	if ref == nil || v == 0 || get(ref) == 0 {
		return "-"
	}
	if inverse {
		return fmt.Sprintf("%.2f×", get(ref)/v)
	}
	return fmt.Sprintf("%.2f×", v/get(ref))
}
