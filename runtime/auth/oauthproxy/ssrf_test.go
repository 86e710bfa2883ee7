package oauthproxy

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

func TestPublicAddress(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.254",
		"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
		"192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "192.88.99.1",
		"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0:7f00:1",
		"::7f00:1", "64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:7f00:1::", "2001::1", "2001:db8::1",
		"100::1", "fe80::1%eth0",
	}
	for _, s := range refused {
		if publicAddress(netip.MustParseAddr(s)) {
			t.Errorf("publicAddress(%s) = true, want refused", s)
		}
	}
	allowed := []string{"93.184.215.14", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"}
	for _, s := range allowed {
		if !publicAddress(netip.MustParseAddr(s)) {
			t.Errorf("publicAddress(%s) = false, want allowed", s)
		}
	}
}

// The default guard refuses loopback, private and link-local addresses,
// as literals and as a name that resolves to loopback, before any
// connection is made.
func TestDefaultGuardRefuses(t *testing.T) {
	g := defaultGuard()
	for _, host := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "localhost"} {
		_, err := g.resolve(context.Background(), host)
		if !errors.Is(err, errRefusedAddress) {
			t.Errorf("resolve(%s) = %v, want %v", host, err, errRefusedAddress)
		}
	}
}

// A name with one public and one private address is refused, whichever
// comes first; the pinned address is the one resolved.
func TestGuardAllAddresses(t *testing.T) {
	g := defaultGuard()
	g.lookup = func(_ context.Context, _, host string) ([]netip.Addr, error) {
		switch host {
		case "mixed.test":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.1")}, nil
		case "public.test":
			return []netip.Addr{netip.MustParseAddr("::ffff:93.184.215.14")}, nil
		}
		return nil, errors.New("no such host")
	}
	if _, err := g.resolve(context.Background(), "mixed.test"); !errors.Is(err, errRefusedAddress) {
		t.Errorf("mixed.test: %v, want refused", err)
	}
	a, err := g.resolve(context.Background(), "public.test")
	if err != nil || a != netip.MustParseAddr("93.184.215.14") {
		t.Errorf("public.test = %v, %v; want 93.184.215.14", a, err)
	}
	// The dialer checks the address once more, whatever it is asked for.
	dial := g.dialPinned(netip.MustParseAddr("127.0.0.1"), "443")
	if _, err := dial(context.Background(), "tcp", "public.test:443"); !errors.Is(err, errRefusedAddress) {
		t.Errorf("dialing a pinned loopback address: %v, want refused", err)
	}
	if _, err := dial(context.Background(), "udp", "public.test:443"); err == nil {
		t.Error("dialing udp succeeded")
	}
}
