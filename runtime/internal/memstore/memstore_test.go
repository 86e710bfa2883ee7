package memstore

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestExpiryAndBound(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	s := New(100)
	s.now = func() time.Time { return now }
	if err := s.Set(ctx, "short", []byte("a"), time.Second); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s.Get(ctx, "short"); !ok || string(v) != "a" {
		t.Fatalf("get = %q %v", v, ok)
	}
	now = now.Add(2 * time.Second)
	if _, ok, _ := s.Get(ctx, "short"); ok {
		t.Error("expired entry returned")
	}
	// Over the bound, the entries nearest to expiry go first.
	for i := range 150 {
		now = now.Add(time.Millisecond)
		s.Set(ctx, fmt.Sprint(i), []byte("x"), time.Hour)
	}
	if n := s.Len(); n > 100 {
		t.Errorf("len = %d, want at most 100", n)
	}
	if _, ok, _ := s.Get(ctx, "149"); !ok {
		t.Error("the newest entry was evicted")
	}
	if _, ok, _ := s.Get(ctx, "0"); ok {
		t.Error("the oldest entry survived eviction")
	}
	s.Delete(ctx, "149")
	if _, ok, _ := s.Get(ctx, "149"); ok {
		t.Error("deleted entry returned")
	}
}
