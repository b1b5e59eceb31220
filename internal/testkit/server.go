package testkit

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shangyun/internal/config"
	"shangyun/internal/logging"
	"shangyun/internal/server"
)

// Clock is a settable clock for tests: it never moves unless told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Server is a Shangyun running on loopback over a fresh database.
type Server struct {
	App    *server.App
	URL    string
	Clock  *Clock
	Driver string

	adminOnce sync.Once
	admin     User
}

// Config returns the settings tests run with: a fresh database of driver,
// a data folder of the test's own and a fixed signing secret.
func Config(t *testing.T, driver string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DB = NewDBConfig(t, driver)
	cfg.Auth.JWTSecret = "test-secret-of-at-least-32-characters!"
	return cfg
}

// NewServer starts a server on driver's fresh database. adjust, when
// given, may change the settings first.
func NewServer(t *testing.T, driver string, adjust ...func(*config.Config)) *Server {
	t.Helper()
	cfg := Config(t, driver)
	for _, f := range adjust {
		f(&cfg)
	}
	clock := NewClock()
	app, err := server.New(context.Background(), cfg, Logger(t), server.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ts := httptest.NewServer(app.Handler)
	t.Cleanup(func() {
		ts.Close()
		_ = app.Close()
	})
	return &Server{App: app, URL: ts.URL, Clock: clock, Driver: driver}
}

// Logger returns a logger writing to the test's log while it runs.
func Logger(t *testing.T) *slog.Logger {
	w := &testLog{t: t}
	t.Cleanup(func() { w.done.Store(true) })
	return logging.New(w, "warn")
}

type testLog struct {
	t    *testing.T
	done atomic.Bool
}

func (w *testLog) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(string(p))
	}
	return len(p), nil
}

var _ io.Writer = (*testLog)(nil)
