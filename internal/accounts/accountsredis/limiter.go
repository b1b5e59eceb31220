// Package accountsredis keeps the attempt limits and lockouts of accounts in
// Redis, so that every instance of Shangyun counts against the same numbers.
package accountsredis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"shangyun/internal/accounts"
)

// failMemory is the least time a failure counter outlives the last failure.
// A counter without any expiry would linger forever for names nobody signs
// in with again; a day still catches an attacker who paces guesses.
const failMemory = 24 * time.Hour

// Limiter is an accounts.Limiter whose counts live in Redis. Each operation
// is one Lua script, so concurrent callers on any instance count exactly,
// and every key carries a TTL set by the server's clock, so nothing lingers
// and instances need not agree on the time.
//
// It behaves as accounts.MemoryLimiter with one difference: a failure
// counter is forgotten once a day (or the lock duration, when longer) has
// passed without a further failure.
type Limiter struct {
	client redis.UniversalClient
	prefix string
}

var _ accounts.Limiter = (*Limiter)(nil)

// New returns a Limiter keeping its keys in client under prefix, for
// instance "shangyun:limit:". Limiters with the same prefix on the same
// server share their counts.
func New(client redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{client: client, prefix: prefix}
}

// Dial connects to the Redis server at addr and checks that it answers.
// addr is host:port, or a redis:// or rediss:// URL when a password,
// database number or TLS is needed. The caller closes the client.
func Dial(addr string) (*redis.Client, error) {
	opts := &redis.Options{Addr: addr}
	if strings.Contains(addr, "://") {
		var err error
		if opts, err = redis.ParseURL(addr); err != nil {
			return nil, fmt.Errorf("redis address: %w", err)
		}
	}
	client := redis.NewClient(opts)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis at %s: %w", opts.Addr, err)
	}
	return client, nil
}

// Key names put the caller's key inside a hash tag, so that the failure
// counter and the block of one key sit in one slot of a Redis Cluster, as
// the scripts touching both require.
func (l *Limiter) hitKey(key string) string   { return l.prefix + "{" + key + "}:hit" }
func (l *Limiter) failKey(key string) string  { return l.prefix + "{" + key + "}:fail" }
func (l *Limiter) blockKey(key string) string { return l.prefix + "{" + key + "}:block" }

// hitScript counts one attempt in a fixed window that starts with the first
// attempt: only that attempt sets the expiry. A key found without expiry is
// given one, so that no window can outlive its span.
//
// KEYS[1] window counter; ARGV[1] window in ms; ARGV[2] limit.
// Returns 0, or the milliseconds left in the window once over the limit.
var hitScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
	ttl = tonumber(ARGV[1])
	redis.call('PEXPIRE', KEYS[1], ttl)
end
if n > tonumber(ARGV[2]) then
	return math.max(ttl, 1)
end
return 0
`)

// Hit implements accounts.Limiter with a fixed window per key. A window of
// zero or less never limits, as with MemoryLimiter.
func (l *Limiter) Hit(ctx context.Context, key string, limit int,
	window time.Duration) (time.Duration, error) {
	if window <= 0 {
		return 0, nil
	}

	ms, err := hitScript.Run(ctx, l.client, []string{l.hitKey(key)},
		millis(window), limit).Int64()
	if err != nil {
		return 0, fmt.Errorf("limiter hit %q: %w", key, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Blocked implements accounts.Limiter. The block key's own TTL is the time
// left, so a single read answers.
func (l *Limiter) Blocked(ctx context.Context, key string) (time.Duration, error) {
	left, err := l.client.PTTL(ctx, l.blockKey(key)).Result()
	if err != nil {
		return 0, fmt.Errorf("limiter blocked %q: %w", key, err)
	}
	// PTTL answers -2 for no key and -1 for a key without expiry; this
	// Limiter writes neither kind, so both mean "not blocked".
	if left <= 0 {
		return 0, nil
	}
	return left, nil
}

// failScript counts one failure; at the threshold it forgets the count and
// sets the block, so that failures after the block count from zero again.
// Each failure pushes the counter's expiry out, so only a quiet spell of
// ARGV[3] ms forgets earlier failures.
//
// KEYS[1] failure counter, KEYS[2] block; ARGV[1] threshold, ARGV[2] lock
// in ms (0: no block), ARGV[3] counter TTL in ms. Returns 1 when blocked.
var failScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n >= tonumber(ARGV[1]) then
	redis.call('DEL', KEYS[1])
	if tonumber(ARGV[2]) > 0 then
		redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
	end
	return 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
`)

// Fail implements accounts.Limiter. The counter expires after a day without
// failures, or after lockFor when that is longer.
func (l *Limiter) Fail(ctx context.Context, key string, threshold int,
	lockFor time.Duration) (time.Duration, error) {
	lockMS := int64(0)
	if lockFor > 0 {
		lockMS = millis(lockFor)
	}

	blocked, err := failScript.Run(ctx, l.client, []string{l.failKey(key), l.blockKey(key)},
		threshold, lockMS, millis(max(lockFor, failMemory))).Int64()
	if err != nil {
		return 0, fmt.Errorf("limiter fail %q: %w", key, err)
	}
	if blocked == 1 {
		return lockFor, nil
	}
	return 0, nil
}

// Reset implements accounts.Limiter. Both keys share a hash tag, so one
// DEL removes them atomically, on a cluster too.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if err := l.client.Del(ctx, l.failKey(key), l.blockKey(key)).Err(); err != nil {
		return fmt.Errorf("limiter reset %q: %w", key, err)
	}
	return nil
}

// millis rounds d up to whole milliseconds, the unit of Redis expiries, so
// that a positive duration never becomes zero, which Redis would take as
// "expire now".
func millis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}
