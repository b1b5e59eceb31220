// Package testkit gives tests what they share: a fresh migrated database
// per test on SQLite and, when SHANGYUN_TEST_MYSQL_DSN is set, on MySQL; a
// real server on loopback; and an HTTP client that checks every request
// and response against api/openapi.yaml.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"shangyun/internal/config"
	"shangyun/internal/database"
)

// MySQLEnv names the variable holding a MySQL DSN for tests. Each test
// gets its own schema, made and dropped with the DSN's user.
const MySQLEnv = "SHANGYUN_TEST_MYSQL_DSN"

// Drivers are the databases every storage test runs on.
var Drivers = []string{database.SQLite, database.MySQL}

// EachDriver runs f as a subtest per driver. Without a MySQL DSN the MySQL
// subtest is skipped, saying why.
func EachDriver(t *testing.T, f func(t *testing.T, driver string)) {
	t.Helper()
	for _, d := range Drivers {
		t.Run(d, func(t *testing.T) {
			if d == database.MySQL && os.Getenv(MySQLEnv) == "" {
				t.Skip("MySQL suite skipped: " + MySQLEnv + " is not set")
			}
			f(t, d)
		})
	}
}

// NewDBConfig returns the database settings of a fresh, empty database for
// this test, removed when the test ends.
func NewDBConfig(t *testing.T, driver string) config.DB {
	t.Helper()
	cfg := config.Default().DB
	cfg.Driver = driver
	cfg.MaxOpenConns = 20
	switch driver {
	case database.SQLite:
		cfg.DSN = filepath.Join(t.TempDir(), "test.db")
	case database.MySQL:
		cfg.DSN = mysqlSchema(t)
	default:
		t.Fatalf("unknown driver %q", driver)
	}
	return cfg
}

// NewDB opens a fresh migrated database for this test.
func NewDB(t *testing.T, driver string) *gorm.DB {
	t.Helper()
	cfg := NewDBConfig(t, driver)
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{Driver: driver, DSN: cfg.DSN,
		MaxOpenConns: cfg.MaxOpenConns, MaxIdleConns: cfg.MaxIdleConns,
		ConnMaxLifetime: time.Minute, Logger: Logger(t), PreparedStatements: true})
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	if err := database.Migrate(ctx, db, driver, nil); err != nil {
		t.Fatalf("migrate %s: %v", driver, err)
	}
	return db
}

// mysqlSchema makes a schema of its own for the test and returns its DSN.
func mysqlSchema(t *testing.T) string {
	t.Helper()
	base, err := mysql.ParseDSN(os.Getenv(MySQLEnv))
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "sy_test_" + hex.EncodeToString(b)

	admin := base.Clone()
	admin.DBName = ""
	conn, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	defer conn.Close()
	_, err = conn.Exec("CREATE DATABASE " + name +
		" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	if err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("mysql", admin.FormatDSN())
		if err == nil {
			_, _ = c.Exec("DROP DATABASE IF EXISTS " + name)
			_ = c.Close()
		}
	})

	own := base.Clone()
	own.DBName = name
	return own.FormatDSN()
}
