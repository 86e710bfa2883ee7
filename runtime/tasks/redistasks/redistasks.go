// Package redistasks is a tasks.Store on Redis, for servers that run as
// several replicas or with workers in processes of their own: a task
// created through one replica is polled, answered and cancelled through
// any other, and run by whichever worker claims it.
//
//	store, err := redistasks.Open(ctx, "redis://127.0.0.1:6379/0", redistasks.Options{})
//	if err != nil {
//		return err // Redis does not answer: say so and stop
//	}
//	defer store.Close()
//
// Each task is a hash (its record, status, worker, attempts and lease
// deadline) that expires with the task's TTL; each owner has a sorted set
// of its tasks for listing; the queue is a stream read by a consumer
// group. A claimed entry stays pending until its worker is done with it;
// the worker renews its lease by moving the deadline, and an entry whose
// deadline passed (its worker died) is claimed by another worker.
// Deadlines are measured by the Redis server's clock, so replicas'
// clocks need not agree. Status changes are published on a channel every
// replica subscribes to. go-redis reconnects by itself when Redis
// restarts; with appendonly (and appendfsync always) no accepted task is
// lost.
package redistasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mcpgen/mcpgen/internal/redisconn"
	"github.com/mcpgen/mcpgen/runtime/tasks"
)

// DefaultPrefix is the key prefix of a store whose Options.Prefix is "".
// The braces are a Redis Cluster hash tag: every key of a store is in one
// slot, so that its transactions and scripts run on Cluster too.
const DefaultPrefix = "{mcpgen-tasks}:"

const group = "workers"

// Options configure a Store.
type Options struct {
	// Prefix is put before every key, so that one Redis database can hold
	// the tasks of several deployments (DefaultPrefix when ""). Give it a
	// hash tag ({...}) on Redis Cluster.
	Prefix string
	// Timeout bounds each Redis command when the caller's context has no
	// earlier deadline (2 seconds when 0).
	Timeout time.Duration
}

// Store is a tasks.Store on Redis. It is safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	owned   bool

	mu       sync.Mutex
	grouped  bool
	tokens   chan struct{} // one per task queued, for the workers waiting here
	watching bool          // the subscription that fills tokens runs
	unwatch  func()
	closed   chan struct{}
	closeOne sync.Once
}

var _ tasks.Store = (*Store)(nil)

// New returns a store on an existing client, which the caller keeps and
// closes.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	opts.Timeout = redisconn.Timeout(opts.Timeout)
	return &Store{rdb: rdb, prefix: opts.Prefix, timeout: opts.Timeout, closed: make(chan struct{}), tokens: make(chan struct{}, 1024)}
}

// Open connects to the Redis server at url (redis://[user:password@]host:port/db
// or rediss:// for TLS) and checks that it answers, so that a server
// configured with an unreachable Redis says so at start rather than on its
// first task.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	rdb, err := redisconn.Open(ctx, "redistasks", url, redisconn.Timeout(opts.Timeout))
	if err != nil {
		return nil, err
	}
	s := New(rdb, opts)
	s.owned = true
	return s, nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return redisconn.Ping(ctx, "redistasks", s.rdb, s.timeout)
}

// Close ends waiting Claims, and closes the client if Open created it.
func (s *Store) Close() error {
	s.closeOne.Do(func() {
		close(s.closed)
		s.mu.Lock()
		stop := s.unwatch
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
	})
	if s.owned {
		return s.rdb.Close()
	}
	return nil
}

func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return redisconn.Bound(ctx, s.timeout)
}

func (s *Store) taskKey(id string) string     { return s.prefix + "t:" + id }
func (s *Store) ownerKey(owner string) string { return s.prefix + "o:" + owner }
func (s *Store) queueKey() string             { return s.prefix + "q" }
func (s *Store) eventsKey() string            { return s.prefix + "ev" }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, tasks.ErrNotFound) || errors.Is(err, tasks.ErrFinal) || errors.Is(err, tasks.ErrLeaseLost) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("redistasks: %s: %w", op, err)
}

func eventJSON(t *tasks.Task) string {
	js, _ := json.Marshal(tasks.Event{ID: t.ID, Owner: t.Owner, Status: t.Status})
	return string(js)
}

// createScript stores a new task, indexes it under its owner and queues
// it, all at once. KEYS: task, owner set, queue, events channel. ARGV:
// doc, status, expiry (unix ms), created (unix ms), id, event.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'status', ARGV[2], 'attempts', 0, 'worker', '')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
if KEYS[2] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
  if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
end
redis.call('XADD', KEYS[3], '*', 'id', ARGV[5])
redis.call('PUBLISH', KEYS[4], ARGV[6])
return 1
`)

// Create implements tasks.Store.
func (s *Store) Create(ctx context.Context, t *tasks.Task) error {
	if err := checkNew(t); err != nil {
		return err
	}
	c := t.Clone()
	if c.LastUpdatedAt.IsZero() {
		c.LastUpdatedAt = c.CreatedAt
	}
	c.Attempts, c.Worker = 0, ""
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("redistasks: encode task: %w", err)
	}
	if err := s.ensureGroup(ctx); err != nil {
		return err
	}
	owner := ""
	if c.Owner != "" {
		owner = s.ownerKey(c.Owner)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := createScript.Run(ctx, s.rdb, []string{s.taskKey(c.ID), owner, s.queueKey(), s.eventsKey()},
		doc, string(c.Status), c.Expires().UnixMilli(), c.CreatedAt.UnixMilli(), c.ID, eventJSON(c)).Int()
	if err != nil {
		return wrap("create", err)
	}
	if n == 0 {
		return fmt.Errorf("redistasks: a task with id %q exists", c.ID)
	}
	return nil
}

func checkNew(t *tasks.Task) error {
	switch {
	case t == nil || t.ID == "":
		return errors.New("redistasks: Create of a task without an id")
	case t.Status != tasks.Working:
		return fmt.Errorf("redistasks: Create of task %q with status %q (want %q)", t.ID, t.Status, tasks.Working)
	case t.CreatedAt.IsZero():
		return fmt.Errorf("redistasks: Create of task %q without CreatedAt", t.ID)
	case t.TTL <= 0:
		return fmt.Errorf("redistasks: Create of task %q with TTL %v (want a positive one)", t.ID, t.TTL)
	}
	return nil
}

// ensureGroup creates the queue's consumer group if it is not there (a new
// store, or a Redis that lost its data).
func (s *Store) ensureGroup(ctx context.Context) error {
	s.mu.Lock()
	done := s.grouped
	s.mu.Unlock()
	if done {
		return nil
	}
	return s.createGroup(ctx)
}

func (s *Store) createGroup(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err := s.rdb.XGroupCreateMkStream(ctx, s.queueKey(), group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return wrap("create the queue's group", err)
	}
	s.mu.Lock()
	s.grouped = true
	s.mu.Unlock()
	return nil
}

// decode builds a task from its hash fields (doc, attempts, worker).
func decode(vals []any) (*tasks.Task, error) {
	if len(vals) < 3 || vals[0] == nil {
		return nil, tasks.ErrNotFound
	}
	doc, _ := vals[0].(string)
	var t tasks.Task
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return nil, fmt.Errorf("redistasks: decode task: %w", err)
	}
	if a, ok := vals[1].(string); ok {
		t.Attempts, _ = strconv.Atoi(a)
	}
	if w, ok := vals[2].(string); ok {
		t.Worker = w
	}
	return &t, nil
}

func (s *Store) load(ctx context.Context, c redis.Cmdable, id string) (*tasks.Task, error) {
	vals, err := c.HMGet(ctx, s.taskKey(id), "doc", "attempts", "worker").Result()
	if err != nil {
		return nil, err
	}
	t, err := decode(vals)
	if err != nil {
		return nil, err
	}
	if !time.Now().Before(t.Expires()) {
		return nil, tasks.ErrNotFound // Redis expires the key within a few milliseconds
	}
	return t, nil
}

// Get implements tasks.Store.
func (s *Store) Get(ctx context.Context, owner, id string) (*tasks.Task, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	t, err := s.load(ctx, s.rdb, id)
	if err != nil {
		return nil, wrap("get", err)
	}
	if t.Owner != owner {
		return nil, tasks.ErrNotFound
	}
	return t, nil
}

// List implements tasks.Store. The cursor is the position after the last
// task of the previous page: its creation time (milliseconds) and id.
func (s *Store) List(ctx context.Context, owner, cursor string, limit int) ([]*tasks.Task, string, error) {
	if owner == "" {
		return nil, "", nil
	}
	if limit <= 0 {
		limit = 100
	}
	var afterMS int64
	afterID := ""
	if cursor != "" {
		ms, id, ok := strings.Cut(cursor, ".")
		n, err := strconv.ParseInt(ms, 36, 64)
		if !ok || err != nil || id == "" {
			return nil, "", fmt.Errorf("%w: invalid cursor", tasks.ErrBadCursor)
		}
		afterMS, afterID = n, id
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	key := s.ownerKey(owner)
	var ids []string
	if afterID != "" {
		same, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, ByScore: true, Start: afterMS, Stop: afterMS}).Result()
		if err != nil {
			return nil, "", wrap("list", err)
		}
		for _, id := range same {
			if id > afterID {
				ids = append(ids, id)
			}
		}
	}
	start := "-inf"
	if afterID != "" {
		start = "(" + strconv.FormatInt(afterMS, 10)
	}
	var out []*tasks.Task
	var offset int64
	var expired []any
	defer func() {
		if len(expired) > 0 {
			s.rdb.ZRem(ctx, key, expired...)
		}
	}()
	for {
		for len(ids) > 0 && len(out) <= limit {
			batch := ids[:min(len(ids), limit+1-len(out))]
			ids = ids[len(batch):]
			cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, id := range batch {
					p.HMGet(ctx, s.taskKey(id), "doc", "attempts", "worker")
				}
				return nil
			})
			if err != nil && !errors.Is(err, redis.Nil) {
				return nil, "", wrap("list", err)
			}
			for i, cmd := range cmds {
				t, err := decode(cmd.(*redis.SliceCmd).Val())
				if err != nil || !time.Now().Before(t.Expires()) || t.Owner != owner {
					expired = append(expired, batch[i])
					continue
				}
				out = append(out, t)
			}
		}
		if len(out) > limit {
			out = out[:limit]
			last := out[limit-1]
			return out, strconv.FormatInt(last.CreatedAt.UnixMilli(), 36) + "." + last.ID, nil
		}
		more, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: key, ByScore: true, Start: start, Stop: "+inf", Offset: offset, Count: int64(limit + 1)}).Result()
		if err != nil {
			return nil, "", wrap("list", err)
		}
		if len(more) == 0 {
			return out, "", nil
		}
		offset += int64(len(more))
		ids = more
	}
}

// Update implements tasks.Store, with an optimistic transaction (WATCH)
// retried while other writers win.
func (s *Store) Update(ctx context.Context, id string, fn func(*tasks.Task) error) (*tasks.Task, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	key := s.taskKey(id)
	var out *tasks.Task
	for attempt := 0; ; attempt++ {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			cur, err := s.load(ctx, tx, id)
			if err != nil {
				return err
			}
			if cur.Status.Terminal() {
				return tasks.ErrFinal
			}
			next := cur.Clone()
			if err := fn(next); err != nil {
				return userError{err}
			}
			next.ID, next.Owner, next.CreatedAt = cur.ID, cur.Owner, cur.CreatedAt
			next.Attempts, next.Worker = cur.Attempts, cur.Worker
			next.LastUpdatedAt = time.Now().UTC()
			if next.LastUpdatedAt.Before(cur.LastUpdatedAt) {
				next.LastUpdatedAt = cur.LastUpdatedAt
			}
			doc, err := json.Marshal(next)
			if err != nil {
				return userError{fmt.Errorf("redistasks: encode task: %w", err)}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, "doc", doc, "status", string(next.Status))
				if cur.Status != tasks.Working && next.Status == tasks.Working {
					p.XAdd(ctx, &redis.XAddArgs{Stream: s.queueKey(), Values: []any{"id", id}})
				}
				if cur.Status != next.Status || cur.StatusMessage != next.StatusMessage {
					p.Publish(ctx, s.eventsKey(), eventJSON(next))
				}
				return nil
			})
			out = next
			return err
		}, key)
		var ue userError
		switch {
		case err == nil:
			return out, nil
		case errors.As(err, &ue):
			return nil, ue.err
		case errors.Is(err, redis.TxFailedErr) && attempt < 100:
			continue // another writer changed the task: read it again
		}
		return nil, wrap("update", err)
	}
}

// userError carries fn's error out of the transaction unchanged.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }

// now is the Redis server's clock in milliseconds, inside a script: the
// one clock every replica's leases are measured by.
const now = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// acquireScript leases a claimed entry's task if it is still to run, until
// now + the lease, under a token of the claim's own: renew and done check
// it, so that a worker whose lease lapsed (and whose task another claim
// took) cannot go on as if it held it, whatever its name. A live lease of
// another token is refused, so a duplicate delivery is no second claim,
// and a retried call of the same claim (go-redis retries timed-out
// commands) counts the attempt once. KEYS: task. ARGV: worker, lease (ms),
// entry, token. It returns the doc and attempts, or nil.
var acquireScript = redis.NewScript(now + `
if redis.call('HGET', KEYS[1], 'status') ~= 'working' then return false end
local tok = redis.call('HGET', KEYS[1], 'token')
if tok == ARGV[4] and redis.call('HGET', KEYS[1], 'worker') == ARGV[1] then
  return {redis.call('HGET', KEYS[1], 'doc'), redis.call('HGET', KEYS[1], 'attempts') or '0'}
end
local w = redis.call('HGET', KEYS[1], 'worker')
if w and w ~= '' and tok ~= ARGV[4] and tonumber(redis.call('HGET', KEYS[1], 'until') or '0') > now then
  return false
end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'worker', ARGV[1], 'until', now + tonumber(ARGV[2]), 'entry', ARGV[3], 'token', ARGV[4])
return {redis.call('HGET', KEYS[1], 'doc'), tostring(n)}
`)

// reclaimScript takes over the first pending entry whose lease expired:
// its worker died. An entry's lease is its task's "until" once the worker
// acquired it under that entry, and the entry's idle time against the
// lease before (a worker that died between reading and acquiring). An
// entry whose task is gone is taken too, to be acknowledged. KEYS:
// queue. ARGV: group, worker, task key prefix, how many pending entries
// to look at, lease (ms), the claim's token. It returns the entry and the
// task id, or nil.
var reclaimScript = redis.NewScript(now + `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[4]))
for _, e in ipairs(p) do
  local entry = e[1]
  local msgs = redis.call('XRANGE', KEYS[1], entry, entry)
  if #msgs == 0 then
    redis.call('XACK', KEYS[1], ARGV[1], entry)
  else
    local f = msgs[1][2]
    local id = ''
    for i = 1, #f, 2 do if f[i] == 'id' then id = f[i + 1] end end
    local key = ARGV[3] .. id
    local expired
    if redis.call('EXISTS', key) == 0 then
      expired = true
    elseif redis.call('HGET', key, 'entry') ~= entry then
      expired = tonumber(e[3]) > tonumber(ARGV[5])
    else
      expired = tonumber(redis.call('HGET', key, 'until') or '0') < now
    end
    if expired then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, entry, 'JUSTID')
      if redis.call('EXISTS', key) == 1 then
        -- Leased to the claimer from now (its token), so that no other
        -- claimer takes it too and the previous worker's lease is void.
        redis.call('HSET', key, 'until', now + tonumber(ARGV[5]), 'entry', entry, 'token', ARGV[6], 'worker', '')
      end
      return {entry, id}
    end
  end
end
return false
`)

// Claim implements tasks.Store: first an entry whose lease expired, then
// a new one (XREADGROUP, blocking). While Redis is
// unreachable it retries, backing off, until ctx is done.
func (s *Store) Claim(ctx context.Context, worker string, lease time.Duration) (tasks.Lease, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("redistasks: Claim with lease %v (want a positive one)", lease)
	}
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-s.closed:
			return nil, tasks.ErrClosed
		default:
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := s.claimOnce(ctx, worker, lease)
		if l != nil {
			return l, nil
		}
		if err == nil {
			// Nothing to take: wait for a task to be queued (the store's
			// events wake one waiter each), or look again in a while, for
			// the expired leases and the events lost.
			backoff = 50 * time.Millisecond
			wake := s.waiting(ctx)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-s.closed:
				return nil, tasks.ErrClosed
			case <-wake:
			case <-time.After(min(lease/2, 500*time.Millisecond)):
			}
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Redis is down or restarting: wait, then try again.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.closed:
			return nil, tasks.ErrClosed
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

func (s *Store) claimOnce(ctx context.Context, worker string, lease time.Duration) (tasks.Lease, error) {
	if err := s.ensureGroup(ctx); err != nil {
		return nil, err
	}
	token := tasks.NewID()
	actx, cancel := s.bound(ctx)
	res0, err := reclaimScript.Run(actx, s.rdb, []string{s.queueKey()}, group, worker, s.taskKey(""), 100, lease.Milliseconds(), token).Slice()
	cancel()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.groupLost(ctx, err)
	}
	if len(res0) == 2 {
		entry, _ := res0[0].(string)
		id, _ := res0[1].(string)
		if l, err := s.acquire(ctx, redis.XMessage{ID: entry, Values: map[string]any{"id": id}}, worker, lease, token); l != nil || err != nil {
			return l, err
		}
	}
	res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		// Without BLOCK: a blocked read would hold a connection of the
		// pool per waiting worker.
		Group: group, Consumer: worker, Streams: []string{s.queueKey(), ">"}, Count: 1, Block: -1,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, s.groupLost(ctx, err)
	}
	for _, st := range res {
		for _, m := range st.Messages {
			if l, err := s.acquire(ctx, m, worker, lease, token); l != nil || err != nil {
				return l, err
			}
		}
	}
	return nil, nil
}

// waiting returns the channel a worker with nothing to claim waits on: a
// token arrives for each task queued (created, or answered), from the
// store's events, which one subscription per store receives.
func (s *Store) waiting(ctx context.Context) <-chan struct{} {
	s.mu.Lock()
	start := !s.watching
	s.watching = true
	s.mu.Unlock()
	if start {
		stop, err := s.Subscribe(context.WithoutCancel(ctx), func(ev tasks.Event) {
			if ev.Status != tasks.Working {
				return
			}
			select {
			case s.tokens <- struct{}{}:
			default: // enough waiters are awake
			}
		})
		s.mu.Lock()
		if err != nil {
			s.watching = false // subscribe again next time
		} else {
			s.unwatch = stop
		}
		s.mu.Unlock()
	}
	return s.tokens
}

// groupLost recreates the consumer group if Redis lost it (NOGROUP: it
// restarted without persistence), and returns err.
func (s *Store) groupLost(ctx context.Context, err error) error {
	if strings.HasPrefix(err.Error(), "NOGROUP") {
		s.mu.Lock()
		s.grouped = false
		s.mu.Unlock()
	}
	return wrap("claim", err)
}

// acquire leases the task of entry m, or acknowledges an entry whose
// task is gone or no longer to run (nil, nil).
func (s *Store) acquire(ctx context.Context, m redis.XMessage, worker string, lease time.Duration, token string) (tasks.Lease, error) {
	id, _ := m.Values["id"].(string)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := acquireScript.Run(ctx, s.rdb, []string{s.taskKey(id)}, worker, lease.Milliseconds(), m.ID, token).Slice()
	if errors.Is(err, redis.Nil) || err == nil && len(res) < 2 {
		s.ack(ctx, m.ID)
		return nil, nil
	}
	if err != nil {
		return nil, wrap("claim", err)
	}
	t, err := decode([]any{res[0], res[1], worker})
	if err != nil {
		s.ack(ctx, m.ID)
		return nil, nil
	}
	return &lease_{s: s, task: t, entry: m.ID, worker: worker, lease: lease, token: token}, nil
}

func (s *Store) ack(ctx context.Context, entry string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, s.queueKey(), group, entry)
		p.XDel(ctx, s.queueKey(), entry)
		return nil
	})
	return err
}

type lease_ struct {
	s      *Store
	task   *tasks.Task
	entry  string
	worker string
	lease  time.Duration
	token  string // the claim's: a later claim of the task has another
}

func (l *lease_) Task() *tasks.Task { return l.task.Clone() }

// renewScript extends the lease if the worker still holds its entry under
// its claim's token. KEYS: queue, task. ARGV: group, worker, entry, lease
// (ms), token. It returns "ok", "lost" or "final".
var renewScript = redis.NewScript(now + `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 'lost' end
if redis.call('HGET', KEYS[2], 'token') ~= ARGV[5] then return 'lost' end
local st = redis.call('HGET', KEYS[2], 'status')
if not st then return 'lost' end
if st == 'completed' or st == 'failed' or st == 'cancelled' then return 'final' end
redis.call('HSET', KEYS[2], 'until', now + tonumber(ARGV[4]))
return 'ok'
`)

func (l *lease_) Renew(ctx context.Context) error {
	ctx, cancel := l.s.bound(ctx)
	defer cancel()
	res, err := renewScript.Run(ctx, l.s.rdb, []string{l.s.queueKey(), l.s.taskKey(l.task.ID)}, group, l.worker, l.entry, l.lease.Milliseconds(), l.token).Text()
	if err != nil {
		return wrap("renew", err)
	}
	switch res {
	case "ok":
		return nil
	case "final":
		return tasks.ErrFinal
	}
	return tasks.ErrLeaseLost
}

// doneScript acknowledges the entry if the worker holds it under its
// claim's token, and then clears the task's worker. KEYS: queue, task.
// ARGV: group, worker, entry, token.
var doneScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p > 0 and p[1][2] == ARGV[2] and redis.call('HGET', KEYS[2], 'token') == ARGV[4] then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
  redis.call('XDEL', KEYS[1], ARGV[3])
  redis.call('HSET', KEYS[2], 'worker', '', 'token', '')
end
return 1
`)

func (l *lease_) Done(ctx context.Context) error {
	ctx, cancel := l.s.bound(ctx)
	defer cancel()
	err := doneScript.Run(ctx, l.s.rdb, []string{l.s.queueKey(), l.s.taskKey(l.task.ID)}, group, l.worker, l.entry, l.token).Err()
	return wrap("done", err)
}

// Subscribe implements tasks.Store with Redis pub/sub; go-redis
// subscribes again after a reconnection (events published meanwhile are
// lost).
func (s *Store) Subscribe(ctx context.Context, fn func(tasks.Event)) (func(), error) {
	ps := s.rdb.Subscribe(context.WithoutCancel(ctx), s.eventsKey())
	sctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := ps.Receive(sctx); err != nil { // the subscription's confirmation
		ps.Close()
		return nil, wrap("subscribe", err)
	}
	ch := ps.Channel()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case msg, ok := <-ch:
				if !ok {
					return
				}
				var ev tasks.Event
				if json.Unmarshal([]byte(msg.Payload), &ev) == nil && ev.ID != "" {
					fn(ev)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			ps.Close()
		})
	}, nil
}
