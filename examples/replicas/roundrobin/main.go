// Command roundrobin is a load balancer for trying replicas on one
// machine: it sends each HTTP request to the next of its backends in
// turn, with no affinity of any kind.
//
//	go run ./examples/replicas/roundrobin -listen 127.0.0.1:8080 http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083
package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	var backends []*url.URL
	for _, a := range flag.Args() {
		u, err := url.Parse(a)
		if err != nil || u.Host == "" {
			fmt.Fprintf(os.Stderr, "roundrobin: backend %q is not a URL\n", a)
			os.Exit(2)
		}
		backends = append(backends, u)
	}
	if len(backends) == 0 {
		fmt.Fprintln(os.Stderr, "roundrobin: name the backends: roundrobin -listen ADDR URL...")
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "roundrobin: http://%s/mcp -> %d backends\n", *listen, len(backends))
	if err := http.ListenAndServe(*listen, New(backends)); err != nil {
		fmt.Fprintln(os.Stderr, "roundrobin:", err)
		os.Exit(1)
	}
}

// New returns a reverse proxy that sends each request to the next backend.
func New(backends []*url.URL) *httputil.ReverseProxy {
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			b := backends[(next.Add(1)-1)%uint64(len(backends))]
			pr.SetURL(b)
			pr.Out.URL.Path, pr.Out.URL.RawPath = pr.In.URL.Path, pr.In.URL.RawPath
			pr.Out.Host = b.Host
		},
		FlushInterval: -1,
	}
}
