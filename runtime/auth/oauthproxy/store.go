package oauthproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/runtime"
)

// Taker is implemented by a state store that can read and delete a key
// in one atomic step (Redis GETDEL). The proxy uses it to redeem one-time
// values (authorization codes, refresh tokens, transactions); with a
// store that lacks it, the proxy serialises Get and Delete itself, which
// is atomic within one process only: a store shared by several replicas
// should implement Taker.
type Taker interface {
	Take(ctx context.Context, key string) (value []byte, ok bool, err error)
}

// store keeps the proxy's records as JSON in a runtime.StateStore, under
// prefix + kind + ":" + id.
type store struct {
	s       runtime.StateStore
	clients runtime.StateStore // for kindClient
	pending runtime.StateStore // for kindPending
	authz   runtime.StateStore // for kindTxn
	prefix  string
	mu      sync.Mutex // serialises take on a store that is no Taker
}

// Record kinds.
const (
	kindClient   = "client"    // a dynamically registered client, by client id
	kindPending  = "pending"   // an authorization not consented to yet, by digest of its id
	kindTxn      = "txn"       // a consented authorization in progress, by digest of its id
	kindCode     = "code"      // an authorization code, by digest
	kindCodeUsed = "code-used" // a redeemed code's grant, by digest of the code
	kindGrant    = "grant"     // an upstream grant, by id
	kindRevoked  = "revoked"   // a revoked grant's tombstone, by its id
	kindAccess   = "at"        // an access token's grant, by jti
	kindRefresh  = "rt"        // a refresh token, by digest
	kindRTUsed   = "rt-used"   // a rotated refresh token's grant, by digest
)

func (st *store) key(kind, id string) string { return st.prefix + kind + ":" + id }

// of returns the store records of kind live in.
func (st *store) of(kind string) runtime.StateStore {
	switch kind {
	case kindClient:
		return st.clients
	case kindPending:
		return st.pending
	case kindTxn:
		return st.authz
	}
	return st.s
}

func (st *store) get(ctx context.Context, kind, id string, v any) (bool, error) {
	b, ok, err := st.of(kind).Get(ctx, st.key(kind, id))
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("oauthproxy: stored %s record: %w", kind, err)
	}
	return true, nil
}

func (st *store) put(ctx context.Context, kind, id string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return st.of(kind).Set(ctx, st.key(kind, id), b, ttl)
}

func (st *store) del(ctx context.Context, kind string, ids ...string) error {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = st.key(kind, id)
	}
	return st.of(kind).Delete(ctx, keys...)
}

// redeem takes a one-time record (a code, a refresh token) that names a
// grant, first leaving a marker of that grant under usedKind for usedTTL.
// The marker is written before the take, so that a presentation which
// finds the record gone always finds the marker of the one that took it,
// even while that one is still being served: a concurrent replay is
// detected.
func (st *store) redeem(ctx context.Context, kind, usedKind, id string, v granted, usedTTL time.Duration) (bool, error) {
	if ok, err := st.get(ctx, kind, id, v); err != nil || !ok {
		return false, err
	}
	if err := st.put(ctx, usedKind, id, accessRecord{GrantID: v.grant()}, usedTTL); err != nil {
		return false, err
	}
	return st.take(ctx, kind, id, v)
}

// granted is a record that names a grant.
type granted interface{ grant() string }

// take reads and deletes a record; of two concurrent takes of the same
// record, one finds it.
func (st *store) take(ctx context.Context, kind, id string, v any) (bool, error) {
	k := st.key(kind, id)
	var b []byte
	var ok bool
	var err error
	s := st.of(kind)
	if t, isTaker := s.(Taker); isTaker {
		b, ok, err = t.Take(ctx, k)
	} else {
		st.mu.Lock()
		b, ok, err = s.Get(ctx, k)
		if err == nil && ok {
			err = s.Delete(ctx, k)
		}
		st.mu.Unlock()
	}
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("oauthproxy: stored %s record: %w", kind, err)
	}
	return true, nil
}
