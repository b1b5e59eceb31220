package database

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type txKey struct{}

// Conn returns the transaction that ctx carries, or db when it carries
// none. Stores call it so that one transaction can span several stores.
func Conn(ctx context.Context, db *gorm.DB) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return db.WithContext(ctx)
}

// Transactor runs functions in a database transaction.
type Transactor struct{ db *gorm.DB }

// NewTransactor returns a Transactor over db.
func NewTransactor(db *gorm.DB) *Transactor { return &Transactor{db: db} }

// maxAttempts bounds the retries of a transaction that met a deadlock.
const maxAttempts = 5

// InTx runs fn in a transaction carried by the context it is given, and
// commits when fn returns nil. A transaction already under way in ctx is
// joined instead. A deadlock or lock timeout retries the whole of fn, so
// fn must not have effects outside the database.
//
// On MySQL the transaction reads committed data: every rule that must
// hold under concurrency takes row locks or makes conditional updates,
// and repeatable read would add gap locks that make unrelated
// transactions (two enterprises filling their carts) deadlock.
func (t *Transactor) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return t.run(ctx, t.options(sql.LevelReadCommitted, false), fn)
}

// InSnapshot runs fn in a read-only transaction that sees one snapshot
// of the database, for reads that must agree with each other.
func (t *Transactor) InSnapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	return t.run(ctx, t.options(sql.LevelRepeatableRead, true), fn)
}

// options are the transaction options for the database: SQLite knows one
// isolation level, serializable, and is given none.
func (t *Transactor) options(level sql.IsolationLevel, readOnly bool) *sql.TxOptions {
	if t.db.Name() != MySQL {
		return nil
	}
	return &sql.TxOptions{Isolation: level, ReadOnly: readOnly}
}

func (t *Transactor) run(ctx context.Context, opts *sql.TxOptions, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = t.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(ctx, txKey{}, tx))
		}, opts)
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("transaction failed %d times: %w", maxAttempts, err)
}

// LockRows locks the rows of table with the given ids until the
// transaction in ctx ends, in ascending id. It locks that table's rows
// only: a locking read over a join would also lock the joined rows, which
// other transactions share, and deadlock with them.
func LockRows(ctx context.Context, db *gorm.DB, table string, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	var got []int64
	err := Conn(ctx, db).Table(table).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id IN ?", ids).Order("id").Pluck("id", &got).Error
	if err != nil {
		return fmt.Errorf("lock %s: %w", table, err)
	}
	return nil
}

// ShareRows takes a shared lock on the rows of table with the given ids
// until the transaction in ctx ends, in ascending id: other shared holders
// go on, writers wait. SQLite locks the whole database for a writing
// transaction, so there it only reads the rows.
func ShareRows(ctx context.Context, db *gorm.DB, table string, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	conn := Conn(ctx, db)
	q := "SELECT id FROM " + table + " WHERE id IN ? ORDER BY id"
	if conn.Name() == MySQL {
		// The spelling MariaDB and MySQL both accept.
		q += " LOCK IN SHARE MODE"
	}
	var got []int64
	if err := conn.Raw(q, ids).Scan(&got).Error; err != nil {
		return fmt.Errorf("share %s: %w", table, err)
	}
	return nil
}
