package database_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/testkit"
)

// openProbe opens a fresh database with a pool of conns connections and a
// table of three rows to read.
func openProbe(t *testing.T, driver string, conns int, prepared bool) *gorm.DB {
	t.Helper()
	cfg := testkit.NewDBConfig(t, driver)
	db, err := database.Open(context.Background(), database.Options{Driver: driver, DSN: cfg.DSN,
		MaxOpenConns: conns, MaxIdleConns: conns, ConnMaxLifetime: time.Minute,
		Logger: testkit.Logger(t), PreparedStatements: prepared})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	for _, q := range []string{"CREATE TABLE probe (id INTEGER PRIMARY KEY)",
		"INSERT INTO probe (id) VALUES (1), (2), (3)"} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	return db
}

const countAbove = "SELECT COUNT(*) FROM probe WHERE id > ?"

func count(ctx context.Context, t *testing.T, db *gorm.DB, query string, arg int) int {
	t.Helper()
	var n int
	if err := database.Reads(ctx, db).Raw(query, arg).Row().Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestReadsPrepareEachStatementOnce(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		ctx := context.Background()
		db := openProbe(t, driver, 4, true)
		for i := range 4 {
			if got, want := count(ctx, t, db, countAbove, i), max(3-i, 0); got != want {
				t.Errorf("above %d: %d rows, want %d", i, got, want)
			}
		}
		if got := database.PreparedCount(db); got != 1 {
			t.Errorf("%d statements prepared after one query run four times, want 1", got)
		}

		// A transaction's statements run as they are.
		err := database.NewTransactor(db).InTx(ctx, func(ctx context.Context) error {
			if got := count(ctx, t, db, "SELECT COUNT(*) FROM probe WHERE id < ?", 3); got != 2 {
				t.Errorf("in a transaction: %d rows, want 2", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := database.PreparedCount(db); got != 1 {
			t.Errorf("%d statements prepared after a transaction's read, want still 1", got)
		}

		// Past the bound, further statements still answer, unprepared.
		for i := range database.MaxPrepared + 5 {
			q := fmt.Sprintf("SELECT COUNT(*) FROM probe WHERE id > ? AND %d = %d", i, i)
			if got := count(ctx, t, db, q, 1); got != 2 {
				t.Fatalf("statement %d: %d rows, want 2", i, got)
			}
		}
		if got := database.PreparedCount(db); got != database.MaxPrepared {
			t.Errorf("%d statements prepared, want the bound %d", got, database.MaxPrepared)
		}

		off := openProbe(t, driver, 2, false)
		if got := count(ctx, t, off, countAbove, 1); got != 2 || database.PreparedCount(off) != 0 {
			t.Errorf("with prepared statements off: %d rows, %d prepared, want 2 and 0",
				got, database.PreparedCount(off))
		}
	})
}

// A transaction holds one pooled connection, a long task the other, and
// the transaction reads while a read outside it waits for a connection to
// prepare the same statement. The transaction must not wait for that
// statement: the task gives its connection back only when the transaction
// is done, so nothing would move again.
func TestReadsOutsideTransactionsDoNotStallThem(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		db := openProbe(t, driver, 2, true)
		// Fails the test instead of hanging it if the reads stall.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		wait := func(what string, ch <-chan error) {
			t.Helper()
			select {
			case err := <-ch:
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			case <-ctx.Done():
				t.Fatalf("%s: stalled", what)
			}
		}

		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		task, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}

		holding := make(chan error, 1)
		release := make(chan struct{})
		txDone := make(chan error, 1)
		go func() {
			txDone <- database.NewTransactor(db).InTx(ctx, func(ctx context.Context) error {
				var n int
				err := database.Reads(ctx, db).Raw(countAbove, 0).Row().Scan(&n)
				holding <- err
				if err != nil {
					return err
				}
				<-release
				return database.Reads(ctx, db).Raw(countAbove, 1).Row().Scan(&n)
			})
		}()
		wait("first read in the transaction", holding)

		outside := make(chan error, 1)
		go func() {
			var n int
			outside <- database.Reads(ctx, db).Raw(countAbove, 2).Row().Scan(&n)
		}()
		close(release)
		wait("transaction", txDone)
		_ = task.Close()
		wait("read outside the transaction", outside)
	})
}
