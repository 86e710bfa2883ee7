package oauthproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// The SSRF guard: fetching a client ID metadata document means the proxy
// requests a URL a stranger chose, so the URL's host is resolved once,
// every address it resolves to must be a public unicast address, and the
// connection goes to that pinned address (a second resolution could
// answer 127.0.0.1: DNS rebinding). The dialer checks the address it
// connects to again, so nothing but the pinned public address is reached.

// reserved lists the prefixes refused beyond what netip's predicates
// cover: addresses that are not global unicast or that reach another
// network's internals (IANA special-purpose registries, RFC 6890).
var reserved = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // shared address space (CGNAT)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"240.0.0.0/4",     // reserved, and 255.255.255.255
		"::/96",           // IPv4-compatible (deprecated)
		"64:ff9b::/96",    // NAT64: reaches IPv4 addresses, private ones too
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments (Teredo, ORCHID...)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4: embeds an IPv4 address
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing SIDs
		"fec0::/10",       // site-local (deprecated)
		"::ffff:0:0:0/96", // IPv4-translated
		"fc00::/7",        // unique local
		"fe80::/10",       // link-local
		"169.254.0.0/16",  // link-local, cloud metadata services
		"127.0.0.0/8",     // loopback
		"10.0.0.0/8",      // private
		"172.16.0.0/12",   // private
		"192.168.0.0/16",  // private
		"224.0.0.0/4",     // multicast
		"ff00::/8",        // multicast
		"::1/128",         // loopback
		"::/128",          // unspecified
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// publicAddress reports whether a is a public unicast address a fetch
// may connect to. IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are judged
// as the IPv4 address they carry.
func publicAddress(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() ||
		a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() || a.IsLinkLocalMulticast() {
		return false
	}
	if a.Is6() && !netip.MustParsePrefix("2000::/3").Contains(a) {
		return false // outside global unicast space
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// errRefusedAddress is wrapped by the guard's errors about an address.
var errRefusedAddress = errors.New("address not allowed")

// guard resolves and dials for one kind of outbound fetch.
type guard struct {
	// lookup resolves a host name (net.DefaultResolver.LookupNetIP).
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
	// allow says which addresses may be reached (publicAddress).
	allow func(netip.Addr) bool
	// dialTimeout bounds each connection attempt.
	dialTimeout time.Duration
	// dial, for tests only, replaces the checked dialer: it connects
	// wherever the test says, so that no test leaves the loopback
	// interface whatever address the guard lets through.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// defaultGuard is the guard every fetch uses unless a test says otherwise.
func defaultGuard() *guard {
	return &guard{lookup: net.DefaultResolver.LookupNetIP, allow: publicAddress, dialTimeout: 5 * time.Second}
}

// resolve returns the address host:port pins to: host is resolved once,
// and every address it resolves to must be allowed (a name that answers
// one public and one private address is refused, whichever would be
// tried first).
func (g *guard) resolve(ctx context.Context, host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if !g.allow(a) {
			return netip.Addr{}, fmt.Errorf("%w: %s", errRefusedAddress, a)
		}
		return a.Unmap(), nil
	}
	addrs, err := g.lookup(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("resolving %s: no addresses", host)
	}
	for _, a := range addrs {
		if !g.allow(a) {
			return netip.Addr{}, fmt.Errorf("%w: %s resolves to %s", errRefusedAddress, host, a)
		}
	}
	return addrs[0].Unmap(), nil
}

// dialPinned returns a DialContext that connects to pinned whatever
// address it is asked for (the request's host still names the TLS
// server), and that checks the connected address once more.
func (g *guard) dialPinned(pinned netip.Addr, port string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{
		Timeout: g.dialTimeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !g.allow(ap.Addr()) || ap.Addr().Unmap() != pinned {
				return fmt.Errorf("%w: %s", errRefusedAddress, address)
			}
			return nil
		},
	}
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		switch network {
		case "tcp", "tcp4", "tcp6":
		default:
			return nil, fmt.Errorf("network %s not allowed", network)
		}
		addr := net.JoinHostPort(pinned.String(), port)
		if g.dial != nil {
			return g.dial(ctx, "tcp", addr)
		}
		return d.DialContext(ctx, "tcp", addr)
	}
}

// portOf returns the port of a URL host for scheme https.
func portOf(port string) (string, error) {
	if port == "" {
		return "443", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("bad port %q", port)
	}
	return port, nil
}
