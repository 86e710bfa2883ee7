// Package storetest checks that a runtime.StateStore behaves as the
// runtime expects, so that every store (in memory, Redis, one of your own)
// is held to the same contract:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) runtime.StateStore { return newMyStore(t) })
//	}
//
// The keys it uses are unique to each run, so stores backed by a shared
// server can run it side by side.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// Run runs the contract's subtests, each against a store newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) runtime.StateStore) {
	cases := []struct {
		name string
		f    func(t *testing.T, s runtime.StateStore, key func(string) string)
	}{
		{"Missing", missing},
		{"RoundTrip", roundTrip},
		{"Overwrite", overwrite},
		{"Delete", deleteKeys},
		{"Expiry", expiry},
		{"SetRenewsExpiry", renew},
		{"Concurrent", concurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			run := make([]byte, 6)
			rand.Read(run)
			prefix := "storetest:" + hex.EncodeToString(run) + ":"
			c.f(t, s, func(k string) string { return prefix + k })
		})
	}
}

func missing(t *testing.T, s runtime.StateStore, key func(string) string) {
	v, ok, err := s.Get(context.Background(), key("absent"))
	if err != nil || ok || v != nil {
		t.Fatalf("Get of a missing key = %q, %v, %v; want nil, false, nil", v, ok, err)
	}
}

func roundTrip(t *testing.T, s runtime.StateStore, key func(string) string) {
	ctx := context.Background()
	values := map[string][]byte{
		"json":   []byte(`{"n":1,"s":"é"}`),
		"binary": {0, 0xff, 0xfe, '\n', 0},
		"empty":  {},
	}
	for k, v := range values {
		in := append([]byte(nil), v...)
		if err := s.Set(ctx, key(k), in, time.Minute); err != nil {
			t.Fatalf("Set %s: %v", k, err)
		}
		if len(in) > 0 {
			in[0] ^= 1 // the store must not keep the caller's slice
		}
	}
	for k, want := range values {
		got, ok, err := s.Get(ctx, key(k))
		if err != nil || !ok {
			t.Fatalf("Get %s = %v, %v; want the value", k, ok, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Get %s = %q, want %q", k, got, want)
		}
		if len(got) > 0 {
			got[0] ^= 1 // nor hand out its own
			if again, _, _ := s.Get(ctx, key(k)); !bytes.Equal(again, want) {
				t.Errorf("changing what Get %s returned changed the stored value to %q", k, again)
			}
		}
	}
}

func overwrite(t *testing.T, s runtime.StateStore, key func(string) string) {
	ctx := context.Background()
	must(t, s.Set(ctx, key("k"), []byte("one"), time.Minute))
	must(t, s.Set(ctx, key("k"), []byte("two"), time.Minute))
	if got, ok, err := s.Get(ctx, key("k")); err != nil || !ok || string(got) != "two" {
		t.Fatalf("Get after overwrite = %q, %v, %v; want two", got, ok, err)
	}
}

func deleteKeys(t *testing.T, s runtime.StateStore, key func(string) string) {
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		must(t, s.Set(ctx, key(k), []byte(k), time.Minute))
	}
	if err := s.Delete(ctx, key("a"), key("b"), key("never-set")); err != nil {
		t.Fatalf("Delete with a missing key: %v", err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatalf("Delete of no keys: %v", err)
	}
	for k, want := range map[string]bool{"a": false, "b": false, "c": true} {
		if _, ok, err := s.Get(ctx, key(k)); err != nil || ok != want {
			t.Errorf("Get %s after Delete: found %v (err %v), want %v", k, ok, err, want)
		}
	}
}

func expiry(t *testing.T, s runtime.StateStore, key func(string) string) {
	ctx := context.Background()
	must(t, s.Set(ctx, key("short"), []byte("x"), 50*time.Millisecond))
	must(t, s.Set(ctx, key("long"), []byte("y"), time.Minute))
	waitGone(t, s, key("short"))
	if _, ok, err := s.Get(ctx, key("long")); err != nil || !ok {
		t.Fatalf("the entry with a longer ttl is gone too (%v, %v)", ok, err)
	}
}

func renew(t *testing.T, s runtime.StateStore, key func(string) string) {
	ctx := context.Background()
	must(t, s.Set(ctx, key("k"), []byte("old"), 50*time.Millisecond))
	must(t, s.Set(ctx, key("k"), []byte("new"), time.Minute))
	time.Sleep(150 * time.Millisecond)
	if got, ok, err := s.Get(ctx, key("k")); err != nil || !ok || string(got) != "new" {
		t.Fatalf("a Set with a longer ttl did not renew the entry: %q, %v, %v", got, ok, err)
	}
}

func concurrent(t *testing.T, s runtime.StateStore, key func(string) string) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := key(fmt.Sprint("g", g))
			for i := 0; i < 50; i++ {
				v := []byte(fmt.Sprint(i))
				if err := s.Set(ctx, k, v, time.Minute); err != nil {
					errs <- err
					return
				}
				got, ok, err := s.Get(ctx, k)
				if err != nil || !ok || !bytes.Equal(got, v) {
					errs <- fmt.Errorf("goroutine %d read %q, %v, %v after writing %q", g, got, ok, err, v)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// waitGone polls until key has expired, failing after a generous bound:
// expiry is checked for happening, not for its timing.
func waitGone(t *testing.T, s runtime.StateStore, key string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, ok, err := s.Get(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has not expired 10 s after its 50 ms ttl", key)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
