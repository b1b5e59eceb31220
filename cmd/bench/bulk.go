package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"shangyun/internal/database"
)

// writer is where a seed step writes, the pool or a transaction, and how
// many bound variables one of its statements may carry.
type writer struct {
	execer
	maxVars int
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Bound variables a statement. MySQL takes up to 65,535 and SQLite up to
// 32,766, but the SQLite driver matches each variable to its argument by
// a linear search, so binding costs grow with the square of the variables
// a statement: about 300 made the fastest seed.
const (
	mysqlVars  = 65_535
	sqliteVars = 300
)

// write runs step. On SQLite it runs in one transaction, since a commit
// per statement would make the seed many times slower, with the
// statement journals and a large page cache in memory. On MySQL it runs
// straight on the pool: a commit per statement keeps the undo log small.
func write(ctx context.Context, db *sql.DB, driver string, step func(writer) error) error {
	if driver != database.SQLite {
		return step(writer{execer: db, maxVars: mysqlVars})
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range []string{"PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -262144"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := step(writer{execer: tx, maxVars: sqliteVars}); err != nil {
		return err
	}
	return tx.Commit()
}

// bulk inserts n rows into table in statements of up to 1,000 rows and
// the writer's number of bound variables.
func bulk(ctx context.Context, wr writer, table string, cols []string, n int,
	row func(i int) []any) error {
	batch := max(1, min(1000, wr.maxVars/len(cols)))
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ",") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+",", end-start), ",")
		if _, err := wr.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
