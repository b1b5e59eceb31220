package database

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

// migrations holds one folder of versioned SQL files per driver; the two
// folders carry the same versions and build the same schema.
//
//go:embed migrations
var migrations embed.FS

// MigrationStatus is the state of one migration.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

func provider(db *gorm.DB, driver string, log *slog.Logger) (*goose.Provider, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	fsys, err := fs.Sub(migrations, "migrations/"+driver)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", driver, err)
	}

	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if driver == MySQL {
		dialect = goose.DialectMySQL
		opts = append(opts, goose.WithSessionLocker(mysqlLocker{}))
	}
	if log != nil {
		opts = append(opts, goose.WithSlog(log.With("component", "migrate")))
	}
	return goose.NewProvider(dialect, sqlDB, fsys, opts...)
}

// Migrate applies every pending migration. On MySQL it holds a
// database-wide lock meanwhile, so that instances starting together
// migrate once.
func Migrate(ctx context.Context, db *gorm.DB, driver string, log *slog.Logger) error {
	p, err := provider(db, driver, log)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Status lists every migration and whether it has been applied.
func Status(ctx context.Context, db *gorm.DB, driver string) ([]MigrationStatus, error) {
	p, err := provider(db, driver, nil)
	if err != nil {
		return nil, err
	}
	all, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(all))
	for _, s := range all {
		out = append(out, MigrationStatus{
			Version: s.Source.Version,
			Name:    s.Source.Path,
			Applied: s.State == goose.StateApplied,
		})
	}
	return out, nil
}

// mysqlLocker takes MySQL's named lock for the duration of a migration run.
type mysqlLocker struct{}

const migrationLock = "shangyun_migrations"

func (mysqlLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var got sql.NullInt64
	err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 300)", migrationLock).Scan(&got)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return errors.New("migration lock: another instance held it for 5 minutes")
	}
	return nil
}

func (mysqlLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", migrationLock)
	return err
}
