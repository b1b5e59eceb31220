// Package server assembles Shangyun: it opens the database, builds every
// capability's rules, stores and handlers, mounts them on one router, and
// runs the HTTP server until told to stop.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/accounts"
	"shangyun/internal/accounts/accountsdb"
	"shangyun/internal/audit/auditdb"
	"shangyun/internal/benefits"
	"shangyun/internal/benefits/benefitsdb"
	"shangyun/internal/cart"
	"shangyun/internal/cart/cartdb"
	"shangyun/internal/catalog"
	"shangyun/internal/catalog/catalogdb"
	"shangyun/internal/certification"
	"shangyun/internal/certification/certificationdb"
	"shangyun/internal/config"
	"shangyun/internal/database"
	"shangyun/internal/files"
	"shangyun/internal/files/filesdb"
	"shangyun/internal/idempotency"
	"shangyun/internal/mail"
	"shangyun/internal/orders"
	"shangyun/internal/orders/ordersdb"
	"shangyun/internal/regions"
	"shangyun/internal/regions/regionsdb"
	"shangyun/internal/reports"
	"shangyun/internal/token"
)

// App is a running Shangyun: its settings, database, rules and router.
type App struct {
	Config        config.Config
	Log           *slog.Logger
	DB            *gorm.DB
	Regions       *regions.Directory
	Accounts      *accounts.Service
	Certification *certification.Service
	Catalog       *catalog.Service
	Benefits      *benefits.Service
	Cart          *cart.Service
	Checkout      *orders.Checkout
	Keys          *idempotency.Keys
	Orders        *orders.Service
	Reports       *reports.Service
	AuditLog      *auditdb.Log
	Loc           *time.Location
	Uploads       *files.Receiver
	Mail          *mail.Worker
	Handler       http.Handler
	routes        []Route
	now           func() time.Time
}

// Options adjust how an App is built, mostly for tests.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DB is an already open database; Open is used when nil.
	DB *gorm.DB
	// MailSender replaces the sender chosen from the configuration.
	MailSender mail.Sender
}

// New builds an App: it opens and, when configured, migrates the
// database, loads the regions, and mounts every route.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	db := o.DB
	if db == nil {
		var err error
		if db, err = Open(ctx, cfg, log); err != nil {
			return nil, err
		}
	}
	if cfg.DB.AutoMigrate {
		if err := database.Migrate(ctx, db, cfg.DB.Driver, log); err != nil {
			return nil, err
		}
	}
	dir, err := regions.Sync(ctx, regionsdb.New(db))
	if err != nil {
		return nil, err
	}

	app := &App{Config: cfg, Log: log, DB: db, Regions: dir, now: o.Now}
	if err := app.wire(o); err != nil {
		return nil, err
	}
	engine, err := app.router()
	if err != nil {
		return nil, err
	}
	app.Handler = engine
	for _, r := range engine.Routes() {
		app.routes = append(app.routes, Route{Method: r.Method, Path: r.Path})
	}
	return app, nil
}

// Open opens the configured database.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*gorm.DB, error) {
	return database.Open(ctx, database.Options{
		Driver: cfg.DB.Driver, DSN: cfg.DB.DSN,
		MaxOpenConns: cfg.DB.MaxOpenConns, MaxIdleConns: cfg.DB.MaxIdleConns,
		ConnMaxLifetime: cfg.DB.ConnMaxLifetime, SlowQuery: cfg.DB.SlowQuery, Logger: log,
		PreparedStatements: cfg.DB.PreparedStatements,
	})
}

// signingKeys returns the configured JWT keys, or a secret kept in the
// data folder when none is configured.
func signingKeys(cfg config.Config, log *slog.Logger) ([]token.Key, error) {
	switch {
	case cfg.Auth.JWTKeys != "":
		return token.ParseKeys(cfg.Auth.JWTKeys)
	case cfg.Auth.JWTSecret != "":
		return []token.Key{token.SecretKey(cfg.Auth.JWTSecret)}, nil
	}
	key, made, err := token.LocalKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	log.Warn("no JWT secret configured: using one kept in the data folder; "+
		"fine for a single instance only", "made", made,
		"path", filepath.Join(cfg.DataDir, "jwt.secret"))
	return []token.Key{key}, nil
}

// Close releases the database.
func (a *App) Close() error {
	sqlDB, err := a.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Serve answers HTTP on ln until ctx ends, then stops taking requests and
// waits for those in flight, up to the configured shutdown timeout.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	h := a.Config.HTTP
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       h.ReadTimeout,
		WriteTimeout:      h.WriteTimeout,
		IdleTimeout:       h.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}

	a.Log.Info("shutting down: draining requests in flight", "timeout", h.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), h.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// EnsureDataDir makes the data folder, private to the service's user.
func EnsureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data folder %s: %w", dir, err)
	}
	return nil
}

// Models lists every stored row type of every capability, so that tests
// can hold the migrated schema against them.
func Models() []any {
	var all []any
	for _, m := range [][]any{regionsdb.Models(), accountsdb.Models(), filesdb.Models(),
		certificationdb.Models(), auditdb.Models(), mail.Models(), catalogdb.Models(),
		benefitsdb.Models(), cartdb.Models(), ordersdb.Models(), idempotency.Models()} {
		all = append(all, m...)
	}
	return all
}

// Route is a registered method and path template, in Gin's syntax.
type Route struct {
	Method string
	Path   string
}

// Routes lists every registered route.
func (a *App) Routes() []Route { return a.routes }

// Now is the time on the App's clock.
func (a *App) Now() time.Time { return a.now() }
