package database

import (
	"context"
	"fmt"

	"gorm.io/gorm"
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
func (t *Transactor) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = t.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(ctx, txKey{}, tx))
		})
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("transaction failed %d times: %w", maxAttempts, err)
}
