// Package memstore is the in-memory session state store: a map with
// per-entry expiry and a bound on its size, so that no number of sessions
// can grow it without limit.
package memstore

import (
	"context"
	"sort"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a store created with max 0.
const DefaultMaxEntries = 1 << 20

// Store is an in-memory key-value store with expiry. It is safe for
// concurrent use.
type Store struct {
	mu     sync.Mutex
	m      map[string]entry
	max    int
	writes int
	now    func() time.Time
}

type entry struct {
	value   []byte
	expires time.Time
}

// New returns a store holding at most max entries (DefaultMaxEntries when
// max <= 0). When full, expired entries are dropped first, then those
// closest to expiry.
func New(max int) *Store {
	if max <= 0 {
		max = DefaultMaxEntries
	}
	return &Store{m: map[string]entry{}, max: max, now: time.Now}
}

// Get returns a copy of the value stored under key.
func (s *Store) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	if !ok {
		return nil, false, nil
	}
	if !s.now().Before(e.expires) {
		delete(s.m, key)
		return nil, false, nil
	}
	return append([]byte(nil), e.value...), true, nil
}

// Set stores a copy of value under key for ttl.
func (s *Store) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	v := append([]byte(nil), value...)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.m[key] = entry{value: v, expires: now.Add(ttl)}
	s.writes++
	if len(s.m) > s.max || s.writes%4096 == 0 {
		s.sweep(now)
	}
	return nil
}

// Delete removes keys.
func (s *Store) Delete(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.m, k)
	}
	return nil
}

// Len returns the number of entries, expired ones included until swept.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// sweep drops expired entries and, while over the bound, the entries
// closest to expiry (a tenth of the bound at a time, so that a full store
// does not sweep on every write).
func (s *Store) sweep(now time.Time) {
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
		}
	}
	if len(s.m) <= s.max {
		return
	}
	type aged struct {
		key     string
		expires time.Time
	}
	all := make([]aged, 0, len(s.m))
	for k, e := range s.m {
		all = append(all, aged{k, e.expires})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].expires.Before(all[j].expires) })
	for _, a := range all[:len(s.m)-(s.max-s.max/10)] {
		delete(s.m, a.key)
	}
}
