package database

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// maxPrepared bounds the statements kept prepared. Each is prepared once
// per pooled connection, and MySQL caps prepared statements server-wide
// (max_prepared_stmt_count, 16,382 by default) across every instance
// sharing the server.
const maxPrepared = 64

// statementsName names the statement cache among GORM's plugins.
const statementsName = "shangyun:prepared"

// Statements keeps the statements of frequent reads prepared, so that the
// database parses and plans each once per connection instead of at every
// request. It works on a plain *sql.DB, and is also the GORM connection
// pool that Reads puts under a query.
//
// GORM's own PrepareStmt mode is not used: it prepares under a lock that
// transactions holding every pooled connection can wait for while the
// preparer waits for a connection, and then nothing moves. Here nothing is
// held while a statement is prepared, and statements in transactions are
// never prepared.
type Statements struct {
	db    *sql.DB
	stmts sync.Map // query → *sql.Stmt
	count atomic.Int32
}

// NewStatements returns Statements over db.
func NewStatements(db *sql.DB) *Statements { return &Statements{db: db} }

var (
	_ gorm.Plugin         = (*Statements)(nil)
	_ gorm.ConnPool       = (*Statements)(nil)
	_ gorm.TxBeginner     = (*Statements)(nil)
	_ gorm.GetDBConnector = (*Statements)(nil)
)

// Name implements gorm.Plugin.
func (s *Statements) Name() string { return statementsName }

// Initialize implements gorm.Plugin.
func (s *Statements) Initialize(db *gorm.DB) error {
	sqlDB, err := db.DB()
	s.db = sqlDB
	return err
}

// stmt returns query's prepared statement, preparing it on first use, or
// nil when it cannot be kept: the cache is full, or the database refused to
// prepare it (the plain query then reports why).
func (s *Statements) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if s.count.Load() >= maxPrepared {
		return nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if kept, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() //nolint:sqlclosecheck // another caller's statement is kept instead
		return kept.(*sql.Stmt)
	}
	s.count.Add(1)
	return st
}

// QueryContext runs query through its prepared statement.
func (s *Statements) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, query); st != nil { //nolint:sqlclosecheck // kept while the pool lives
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query through its prepared statement.
func (s *Statements) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, query); st != nil { //nolint:sqlclosecheck // kept while the pool lives
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

// ExecContext runs writes as they are: they are neither fixed nor frequent.
func (s *Statements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, query, args...)
}

// PrepareContext implements gorm.ConnPool.
func (s *Statements) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return s.db.PrepareContext(ctx, query)
}

// BeginTx starts a plain transaction: its statements are not prepared.
func (s *Statements) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return s.db.BeginTx(ctx, opts)
}

// GetDBConn implements gorm.GetDBConnector.
func (s *Statements) GetDBConn() (*sql.DB, error) { return s.db, nil }

// Reads is Conn for the most frequent reads — the session check, the
// catalog and order lists, a product's detail. Outside a transaction their
// statements are prepared once per connection and kept, when the database
// was opened with prepared statements on. Only statements of a fixed shape
// belong here: a query whose text varies with its input (an IN list of any
// length) would fill the cache with statements used once.
func Reads(ctx context.Context, db *gorm.DB) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	q := db.WithContext(ctx)
	if s, ok := db.Plugins[statementsName].(*Statements); ok {
		q.Statement.ConnPool = s
	}
	return q
}
