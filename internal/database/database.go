// Package database opens Shangyun's database through GORM — the embedded
// SQLite by default, MySQL in production — and migrates its schema.
package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
)

// Drivers.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// Options are what Open needs to know.
type Options struct {
	Driver          string
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	SlowQuery       time.Duration
	Logger          *slog.Logger
	// PreparedStatements keeps the statements of Reads prepared. Turn it
	// off behind a proxy that does not carry prepared statements across
	// its connections.
	PreparedStatements bool
}

// Open connects to the database and checks that it answers.
func Open(ctx context.Context, o Options) (*gorm.DB, error) {
	dialector, err := dialect(o)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                                   newLogger(o.Logger, o.SlowQuery),
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           false,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", o.Driver, err)
	}

	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("database handle: %w", err)
	}
	sqlDB.SetMaxOpenConns(o.MaxOpenConns)
	sqlDB.SetMaxIdleConns(o.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(o.ConnMaxLifetime)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("reach %s database: %w", o.Driver, err)
	}
	if o.PreparedStatements {
		if err := db.Use(&Statements{}); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("prepared statements: %w", err)
		}
	}
	return db, nil
}

func dialect(o Options) (gorm.Dialector, error) {
	switch o.Driver {
	case SQLite:
		return sqlite.Open(sqliteDSN(o.DSN)), nil
	case MySQL:
		cfg, err := MySQLConfig(o.DSN)
		if err != nil {
			return nil, err
		}
		return gormmysql.Open(cfg.FormatDSN()), nil
	}
	return nil, fmt.Errorf("unknown database driver %q", o.Driver)
}

// MySQLConfig reads a MySQL DSN and sets what Shangyun relies on.
func MySQLConfig(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Conditional updates read "rows affected" as "rows matched", as
	// SQLite reports it; MySQL would otherwise count only rows whose
	// values changed, and an update to the same values would look
	// like a missing row.
	cfg.ClientFoundRows = true
	// Arguments are escaped by the driver and each statement goes out
	// in one round trip, instead of three (prepare, execute, close)
	// for every statement with arguments. Safe with utf8mb4, the only
	// charset used; a DSN may still say interpolateParams=false.
	// Statements are not kept prepared instead: GORM's statement cache
	// (PrepareStmt) can deadlock when transactions hold every pooled
	// connection while another request prepares a statement.
	if !strings.Contains(dsn, "interpolateParams=") {
		cfg.InterpolateParams = true
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.Collation = "utf8mb4_unicode_ci"
	return cfg, nil
}

// sqliteDSN adds the pragmas Shangyun relies on to a file path or URI:
// foreign keys enforced, write-ahead logging, and a busy timeout so that
// concurrent writers wait instead of failing.
func sqliteDSN(dsn string) string {
	if !strings.HasPrefix(dsn, "file:") && dsn != ":memory:" {
		if dir := filepath.Dir(dsn); dir != "." {
			_ = os.MkdirAll(dir, 0o700)
		}
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// Ping reports whether the database answers within ctx.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// UniqueViolation reports whether err is a unique-key violation, and the
// key it broke: the index name on MySQL, table.column on SQLite. The
// duplicate value itself is left out, since it may spell another key's
// name.
func UniqueViolation(err error) (string, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		// "Duplicate entry 'value' for key 'table.index'"
		_, key, _ := strings.Cut(me.Message[strings.LastIndex(me.Message, " for key ")+1:], "key ")
		return strings.Trim(key, "'`"), true
	}
	const sqliteUnique = "UNIQUE constraint failed: "
	if err != nil {
		if _, key, ok := strings.Cut(err.Error(), sqliteUnique); ok {
			return key, true
		}
	}
	return "", false
}

// Retryable reports whether err is a deadlock or a lock wait that the
// whole transaction may be retried after.
func Retryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	return err != nil && (strings.Contains(err.Error(), "database is locked") ||
		strings.Contains(err.Error(), "SQLITE_BUSY"))
}

// Contains returns a LIKE pattern matching text anywhere, with % and _ in
// text matching themselves. Use it with ESCAPE '!', the escape character
// both databases read the same way.
func Contains(text string) string {
	return "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(text) + "%"
}
