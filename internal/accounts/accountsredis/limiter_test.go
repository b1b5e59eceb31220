package accountsredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"shangyun/internal/accounts"
)

// slack is how far below the expected duration a Redis answer may fall:
// the server's clock runs on between the write and the read, slowly under
// the race detector on a busy machine.
const slack = 5 * time.Second

// step is one call on a Limiter and the duration it must answer (0 for
// Reset, which answers none).
type step struct {
	op   string // hit, fail, blocked or reset
	key  string
	n    int           // limit or threshold
	d    time.Duration // window or lock duration
	want time.Duration
}

func hit(key string, limit int, window, want time.Duration) step {
	return step{op: "hit", key: key, n: limit, d: window, want: want}
}

func fail(key string, threshold int, lockFor, want time.Duration) step {
	return step{op: "fail", key: key, n: threshold, d: lockFor, want: want}
}

func blocked(key string, want time.Duration) step {
	return step{op: "blocked", key: key, want: want}
}

func reset(key string) step { return step{op: "reset", key: key} }

// behaviour is what every accounts.Limiter must do. No case needs the clock
// to move: MemoryLimiter runs on a frozen clock, and the Redis Limiter's
// server-side TTLs do not run out within a test.
var behaviour = []struct {
	name  string
	steps []step
}{
	{"hits up to the limit pass", []step{
		hit("a", 3, time.Minute, 0), hit("a", 3, time.Minute, 0), hit("a", 3, time.Minute, 0),
	}},
	{"hits past the limit wait for the end of the window", []step{
		hit("a", 2, time.Minute, 0), hit("a", 2, time.Minute, 0),
		hit("a", 2, time.Minute, time.Minute), hit("a", 2, time.Minute, time.Minute),
	}},
	{"a limit of zero refuses the first hit", []step{
		hit("a", 0, time.Hour, time.Hour),
	}},
	{"windows are per key", []step{
		hit("a", 1, time.Minute, 0), hit("a", 1, time.Minute, time.Minute),
		hit("b", 1, time.Minute, 0),
	}},
	{"a window of zero never limits", []step{
		hit("a", 0, 0, 0), hit("a", 0, 0, 0),
	}},
	{"hits over the limit block nothing", []step{
		hit("a", 0, time.Minute, time.Minute), blocked("a", 0), fail("a", 2, time.Hour, 0),
	}},
	{"failures below the threshold block nothing", []step{
		fail("a", 3, 15*time.Minute, 0), fail("a", 3, 15*time.Minute, 0), blocked("a", 0),
	}},
	{"the threshold-th failure blocks for the lock duration", []step{
		fail("a", 3, 15*time.Minute, 0), fail("a", 3, 15*time.Minute, 0),
		fail("a", 3, 15*time.Minute, 15*time.Minute), blocked("a", 15*time.Minute),
	}},
	{"a threshold of one blocks at the first failure", []step{
		fail("a", 1, time.Hour, time.Hour), blocked("a", time.Hour),
	}},
	{"failures after a block count from zero", []step{
		fail("a", 2, time.Hour, 0), fail("a", 2, time.Hour, time.Hour),
		fail("a", 2, time.Hour, 0), blocked("a", time.Hour),
	}},
	{"failures and blocks are per key", []step{
		fail("a", 2, time.Hour, 0), fail("b", 2, time.Hour, 0),
		fail("a", 2, time.Hour, time.Hour), blocked("b", 0), fail("b", 2, time.Hour, time.Hour),
	}},
	{"reset forgets failures", []step{
		fail("a", 3, time.Hour, 0), fail("a", 3, time.Hour, 0), reset("a"),
		fail("a", 3, time.Hour, 0), fail("a", 3, time.Hour, 0), blocked("a", 0),
	}},
	{"reset lifts a block", []step{
		fail("a", 1, time.Hour, time.Hour), blocked("a", time.Hour), reset("a"),
		blocked("a", 0),
	}},
	{"reset keeps hit windows", []step{
		hit("a", 1, time.Minute, 0), reset("a"), hit("a", 1, time.Minute, time.Minute),
	}},
	{"a lock of zero blocks nothing", []step{
		fail("a", 1, 0, 0), blocked("a", 0),
	}},
	{"unknown keys are neither blocked nor hard to reset", []step{
		blocked("nobody", 0), reset("nobody"), blocked("nobody", 0),
	}},
}

// TestBehaviour runs the same cases against MemoryLimiter and the Redis
// Limiter, so that the two are proven to answer alike.
func TestBehaviour(t *testing.T) {
	t.Parallel()
	frozen := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	impls := []struct {
		name string
		make func(t *testing.T) accounts.Limiter
	}{
		{"memory", func(*testing.T) accounts.Limiter {
			return accounts.NewMemoryLimiter(func() time.Time { return frozen })
		}},
		{"redis", func(t *testing.T) accounts.Limiter {
			return New(testClient(t), testPrefix(t))
		}},
	}

	for _, impl := range impls {
		for _, tc := range behaviour {
			t.Run(impl.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				runSteps(t, impl.make(t), tc.steps)
			})
		}
	}
}

// runSteps plays steps on l and compares all answers at once, so that a
// failure shows the whole sequence.
func runSteps(t *testing.T, l accounts.Limiter, steps []step) {
	t.Helper()
	ctx := t.Context()
	var want, got []time.Duration
	for _, s := range steps {
		var d time.Duration
		var err error
		switch s.op {
		case "hit":
			d, err = l.Hit(ctx, s.key, s.n, s.d)
		case "fail":
			d, err = l.Fail(ctx, s.key, s.n, s.d)
		case "blocked":
			d, err = l.Blocked(ctx, s.key)
		case "reset":
			err = l.Reset(ctx, s.key)
		}
		if err != nil {
			t.Fatalf("%s %q: %v", s.op, s.key, err)
		}
		want = append(want, s.want)
		got = append(got, d)
	}
	if diff := cmp.Diff(want, got, approx()); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// approx equates durations within slack of each other; zero equals only
// zero, since "no wait" and "a short wait" differ in meaning.
func approx() cmp.Option {
	return cmp.Comparer(func(x, y time.Duration) bool {
		if x == 0 || y == 0 {
			return x == y
		}
		return (x - y).Abs() <= slack
	})
}

// testClient connects to the Redis named by SHANGYUN_TEST_REDIS_ADDR, or
// skips the test when none is named.
func testClient(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("SHANGYUN_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("SHANGYUN_TEST_REDIS_ADDR is not set; set it (e.g. 127.0.0.1:6379) " +
			"to run the Redis limiter against a real server")
	}
	client, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// testPrefix returns a key prefix of the test's own and deletes every key
// under it when the test ends. It must follow testClient, whose cleanup
// closes the client after this one has run.
func testPrefix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "shangyun-test:" + hex.EncodeToString(b) + ":"

	client := testClient(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up %s*: %v", prefix, err)
		}
	})
	return prefix
}

// newTestLimiter returns a Limiter under a fresh prefix and its client, for
// tests that read the keys behind it.
func newTestLimiter(t *testing.T) (*Limiter, *redis.Client) {
	t.Helper()
	client := testClient(t)
	return New(client, testPrefix(t)), client
}

// within fails the test unless d lies in (want-slack, want].
func within(t *testing.T, what string, d, want time.Duration) {
	t.Helper()
	if d > want || d <= want-slack {
		t.Errorf("%s = %v, want within %v of %v and no more", what, d, slack, want)
	}
}

func pttl(t *testing.T, client *redis.Client, key string) time.Duration {
	t.Helper()
	d, err := client.PTTL(t.Context(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestRedisWindowExpiresWithItsWindow(t *testing.T) {
	t.Parallel()
	l, client := newTestLimiter(t)
	ctx, wait := t.Context(), must[time.Duration](t)

	wait(l.Hit(ctx, "a", 2, time.Minute))
	within(t, "window TTL after the first hit", pttl(t, client, l.hitKey("a")), time.Minute)

	// Half the window gone: later hits must not push the end out again.
	client.PExpire(ctx, l.hitKey("a"), 30*time.Second)
	wait(l.Hit(ctx, "a", 2, time.Minute))
	within(t, "window TTL after a later hit", pttl(t, client, l.hitKey("a")), 30*time.Second)
	within(t, "wait past the limit", wait(l.Hit(ctx, "a", 2, time.Minute)), 30*time.Second)
}

func TestRedisExpiredWindowStartsAfresh(t *testing.T) {
	t.Parallel()
	l, client := newTestLimiter(t)
	ctx, wait := t.Context(), must[time.Duration](t)

	wait(l.Hit(ctx, "a", 0, time.Minute))
	// An expiry in the past is what the end of the window does to the key.
	client.PExpireAt(ctx, l.hitKey("a"), time.Unix(1, 0))

	if d := wait(l.Hit(ctx, "a", 1, time.Minute)); d != 0 {
		t.Errorf("first hit of a new window waits %v, want 0", d)
	}
	within(t, "new window TTL", pttl(t, client, l.hitKey("a")), time.Minute)
}

// A window key left without expiry (say, written by hand) must not limit
// the key forever.
func TestRedisWindowWithoutExpiryGetsOne(t *testing.T) {
	t.Parallel()
	l, client := newTestLimiter(t)
	ctx, wait := t.Context(), must[time.Duration](t)

	client.Set(ctx, l.hitKey("a"), 7, 0)
	within(t, "wait", wait(l.Hit(ctx, "a", 3, time.Minute)), time.Minute)
	within(t, "window TTL", pttl(t, client, l.hitKey("a")), time.Minute)
}

func TestRedisFailureCounterExpires(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		lockFor time.Duration
		want    time.Duration
	}{
		{"a day when the lock is shorter", 15 * time.Minute, 24 * time.Hour},
		{"the lock duration when longer", 48 * time.Hour, 48 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, client := newTestLimiter(t)
			ctx, wait := t.Context(), must[time.Duration](t)

			wait(l.Fail(ctx, "a", 5, tc.lockFor))
			within(t, "counter TTL", pttl(t, client, l.failKey("a")), tc.want)

			// Each failure restarts the counter's life.
			client.PExpire(ctx, l.failKey("a"), time.Minute)
			wait(l.Fail(ctx, "a", 5, tc.lockFor))
			within(t, "counter TTL after another failure", pttl(t, client, l.failKey("a")),
				tc.want)
		})
	}
}

func TestRedisBlockExpiresWhenItEnds(t *testing.T) {
	t.Parallel()
	l, client := newTestLimiter(t)
	ctx, wait := t.Context(), must[time.Duration](t)

	wait(l.Fail(ctx, "a", 2, 15*time.Minute))
	wait(l.Fail(ctx, "a", 2, 15*time.Minute))
	within(t, "block TTL", pttl(t, client, l.blockKey("a")), 15*time.Minute)
	if n := client.Exists(ctx, l.failKey("a")).Val(); n != 0 {
		t.Errorf("failure counter still there after the block")
	}

	// Most of the lock gone: Blocked reports what is left.
	client.PExpire(ctx, l.blockKey("a"), 5*time.Second)
	within(t, "Blocked near the end", wait(l.Blocked(ctx, "a")), 5*time.Second)

	client.PExpireAt(ctx, l.blockKey("a"), time.Unix(1, 0))
	if d := wait(l.Blocked(ctx, "a")); d != 0 {
		t.Errorf("Blocked after the block ended = %v, want 0", d)
	}
}

func TestRedisResetDeletesKeys(t *testing.T) {
	t.Parallel()
	l, client := newTestLimiter(t)
	ctx, wait := t.Context(), must[time.Duration](t)

	wait(l.Fail(ctx, "a", 1, time.Hour))
	wait(l.Fail(ctx, "a", 5, time.Hour))
	if err := l.Reset(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if n := client.Exists(ctx, l.failKey("a"), l.blockKey("a")).Val(); n != 0 {
		t.Errorf("%d keys left after Reset, want 0", n)
	}
}

// Two Limiters on separate connections stand for two instances of the API.
func TestRedisInstancesShareCounts(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	one, two := New(testClient(t), prefix), New(testClient(t), prefix)

	runSteps(t, one, []step{fail("alice", 3, time.Hour, 0), hit("addr", 2, time.Minute, 0)})
	runSteps(t, two, []step{fail("alice", 3, time.Hour, 0), hit("addr", 2, time.Minute, 0)})
	runSteps(t, one, []step{
		fail("alice", 3, time.Hour, time.Hour), hit("addr", 2, time.Minute, time.Minute),
	})
	runSteps(t, two, []step{
		blocked("alice", time.Hour), hit("addr", 2, time.Minute, time.Minute), reset("alice"),
	})
	runSteps(t, one, []step{blocked("alice", 0)})
}

func TestRedisPrefixesAreSeparate(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	one, two := New(client, testPrefix(t)), New(client, testPrefix(t))

	runSteps(t, one, []step{fail("alice", 1, time.Hour, time.Hour), hit("a", 0, time.Minute,
		time.Minute)})
	runSteps(t, two, []step{blocked("alice", 0), hit("a", 1, time.Minute, 0)})
}

func TestRedisConcurrentHitsCountExactly(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	limiters := []*Limiter{New(testClient(t), prefix), New(testClient(t), prefix)}
	const workers, each, limit = 20, 25, 300

	var mu sync.Mutex
	passed, refused := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			l := limiters[w%len(limiters)]
			for range each {
				d, err := l.Hit(t.Context(), "a", limit, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if d == 0 {
					passed++
				} else {
					refused++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	if passed != limit || refused != workers*each-limit {
		t.Errorf("passed %d, refused %d; want %d and %d", passed, refused, limit,
			workers*each-limit)
	}
}

func TestRedisConcurrentFailsBlockExactly(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	limiters := []*Limiter{New(testClient(t), prefix), New(testClient(t), prefix)}
	const workers, each, threshold = 10, 10, 7

	var mu sync.Mutex
	locks := 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			l := limiters[w%len(limiters)]
			for range each {
				d, err := l.Fail(t.Context(), "a", threshold, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if d > 0 {
					mu.Lock()
					locks++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()

	if want := workers * each / threshold; locks != want {
		t.Errorf("%d failures blocked %d times, want %d", workers*each, locks, want)
	}
}

func TestRedisErrorsAreReturned(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	l := New(client, testPrefix(t))
	_ = client.Close()
	ctx := t.Context()

	if _, err := l.Hit(ctx, "a", 1, time.Minute); err == nil {
		t.Error("Hit on a closed client: no error")
	}
	if _, err := l.Blocked(ctx, "a"); err == nil {
		t.Error("Blocked on a closed client: no error")
	}
	if _, err := l.Fail(ctx, "a", 1, time.Minute); err == nil {
		t.Error("Fail on a closed client: no error")
	}
	if err := l.Reset(ctx, "a"); err == nil {
		t.Error("Reset on a closed client: no error")
	}
}

func TestDialAcceptsAddressOrURL(t *testing.T) {
	t.Parallel()
	addr := testClient(t).Options().Addr
	for _, a := range []string{addr, "redis://" + addr + "/0"} {
		client, err := Dial(a)
		if err != nil {
			t.Errorf("Dial(%q): %v", a, err)
			continue
		}
		_ = client.Close()
	}
}

func TestDialFailsWhenNothingAnswers(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	for _, a := range []string{addr, "redis://" + addr + "/notanumber"} {
		if client, err := Dial(a); err == nil {
			_ = client.Close()
			t.Errorf("Dial(%q): no error", a)
		}
	}
}
