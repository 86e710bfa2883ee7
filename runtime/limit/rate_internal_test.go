package limit

import (
	"fmt"
	"math"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// A bucket gives Burst tokens at once, then one per 1/PerSecond; the wait
// it reports is exactly the time until the next token.
func TestBucketRefillAndWait(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	b, err := newBuckets(RateOptions{PerSecond: 4, Burst: 2}, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, ok := b.take("", "k"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	wait, ok := b.take("", "k")
	if ok || wait != 250*time.Millisecond {
		t.Fatalf("after the burst: %v, wait %v; want refused, 250ms", ok, wait)
	}
	clock.t = clock.t.Add(100 * time.Millisecond)
	if wait, ok := b.take("", "k"); ok || wait != 150*time.Millisecond {
		t.Fatalf("100ms later: %v, wait %v; want refused, 150ms", ok, wait)
	}
	clock.t = clock.t.Add(150 * time.Millisecond)
	if _, ok := b.take("", "k"); !ok {
		t.Fatal("after the wait it reported: refused")
	}
	if _, ok := b.take("", "other"); !ok {
		t.Fatal("another key shares the bucket")
	}
	if _, ok := b.take("tool", "k"); !ok {
		t.Fatal("another tool shares the bucket")
	}
	// Burst zero is twice the rate.
	b, _ = newBuckets(RateOptions{PerSecond: 3}, clock.now)
	n := 0
	for ; n < 100; n++ {
		if _, ok := b.take("", "k"); !ok {
			break
		}
	}
	if n != 6 {
		t.Errorf("default burst: %d requests at once, want 6", n)
	}
}

// Memory stays bounded whatever the number of keys: buckets that filled up
// again are forgotten, and beyond MaxKeys new keys share one bucket.
func TestBucketsBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	b, err := newBuckets(RateOptions{PerSecond: 10, Burst: 1, MaxKeys: 3000}, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		for i := range 1000 {
			if _, ok := b.take("", fmt.Sprintf("r%d-%d", round, i)); !ok {
				t.Fatalf("round %d key %d: refused", round, i)
			}
		}
		clock.t = clock.t.Add(time.Second) // every bucket fills up again
	}
	if n := len(b.m); n > 2048 {
		t.Errorf("%d buckets kept for 1000 active keys", n)
	}
	// 3000 keys active at once fill the map; the next ones share a bucket.
	for i := range 3000 {
		b.take("", fmt.Sprintf("busy-%d", i))
	}
	if _, ok := b.take("", "late-1"); !ok {
		t.Fatal("the shared bucket refused its first request")
	}
	if _, ok := b.take("", "late-2"); ok {
		t.Error("a key beyond MaxKeys has a bucket of its own")
	}
	if len(b.m) > 3000 {
		t.Errorf("%d buckets, beyond MaxKeys", len(b.m))
	}
	// Once they filled up again, new keys get their own buckets.
	clock.t = clock.t.Add(time.Second)
	for i := range 3 {
		if _, ok := b.take("", fmt.Sprintf("later-%d", i)); !ok {
			t.Fatalf("after the refill, key %d refused", i)
		}
	}
}

func TestRateOptionsChecked(t *testing.T) {
	for _, o := range []RateOptions{{}, {PerSecond: -1}, {PerSecond: 1, Burst: -1}, {PerSecond: 1, MaxKeys: -1}, {PerSecond: math.NaN()}, {PerSecond: math.Inf(1)}} {
		if mw, err := Rate(o); err == nil || mw != nil {
			t.Errorf("Rate(%+v) = %v, %v; want an error", o, mw != nil, err)
		}
	}
}
