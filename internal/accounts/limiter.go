package accounts

import (
	"context"
	"sync"
	"time"
)

// Limiter counts attempts under a key. The in-memory one serves a single
// instance; several instances need one that shares its counts.
type Limiter interface {
	// Hit counts one attempt under key and returns how long to wait when
	// more than limit attempts fell in the window, or 0.
	Hit(ctx context.Context, key string, limit int, window time.Duration) (time.Duration, error)
	// Blocked returns how long key stays blocked, or 0.
	Blocked(ctx context.Context, key string) (time.Duration, error)
	// Fail counts one failure under key; at the threshold-th failure in a
	// row the key is blocked for lockFor, and Fail returns that duration.
	Fail(ctx context.Context, key string, threshold int, lockFor time.Duration) (time.Duration, error)
	// Reset forgets the failures and block of key.
	Reset(ctx context.Context, key string) error
}

// MemoryLimiter is a Limiter held in this process's memory.
type MemoryLimiter struct {
	mu      sync.Mutex
	now     func() time.Time
	windows map[string]*window
	fails   map[string]int
	blocked map[string]time.Time
}

type window struct {
	start time.Time
	count int
}

// NewMemoryLimiter returns an empty MemoryLimiter reading the clock now
// (time.Now when nil).
func NewMemoryLimiter(now func() time.Time) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{now: now, windows: map[string]*window{}, fails: map[string]int{},
		blocked: map[string]time.Time{}}
}

// Hit implements Limiter with a fixed window per key.
func (m *MemoryLimiter) Hit(_ context.Context, key string, limit int,
	span time.Duration) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()

	now := m.now()
	w := m.windows[key]
	if w == nil || now.Sub(w.start) >= span {
		if len(m.windows) > 100_000 {
			m.sweep(now, span)
		}
		w = &window{start: now}
		m.windows[key] = w
	}
	w.count++
	if w.count > limit {
		return w.start.Add(span).Sub(now), nil
	}
	return 0, nil
}

// sweep drops expired windows so that memory stays bounded.
func (m *MemoryLimiter) sweep(now time.Time, span time.Duration) {
	for k, w := range m.windows {
		if now.Sub(w.start) >= span {
			delete(m.windows, k)
		}
	}
}

// Blocked implements Limiter.
func (m *MemoryLimiter) Blocked(_ context.Context, key string) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.blocked[key]; ok {
		if left := until.Sub(m.now()); left > 0 {
			return left, nil
		}
		delete(m.blocked, key)
	}
	return 0, nil
}

// Fail implements Limiter.
func (m *MemoryLimiter) Fail(_ context.Context, key string, threshold int,
	lockFor time.Duration) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fails[key]++
	if m.fails[key] >= threshold {
		delete(m.fails, key)
		m.blocked[key] = m.now().Add(lockFor)
		return lockFor, nil
	}
	return 0, nil
}

// Reset implements Limiter.
func (m *MemoryLimiter) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.fails, key)
	delete(m.blocked, key)
	return nil
}
