// Package auditdb stores audit entries with GORM. Rows are only ever
// inserted.
package auditdb

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"shangyun/internal/audit"
	"shangyun/internal/auth"
	"shangyun/internal/database"
	"shangyun/internal/logging"
)

// Row is an entry as stored.
type Row struct {
	ID         int64     `gorm:"primaryKey"`
	ActorID    *int64    `gorm:""`
	ActorRole  string    `gorm:"size:16;not null"`
	Action     string    `gorm:"size:64;not null"`
	TargetType string    `gorm:"size:32;not null"`
	TargetID   string    `gorm:"size:64;not null"`
	Detail     string    `gorm:"size:1000;not null"`
	ClientIP   string    `gorm:"size:64;not null"`
	RequestID  string    `gorm:"size:64;not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// TableName names the table.
func (Row) TableName() string { return "audit_logs" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&Row{}} }

// Log appends entries. Rows are only ever inserted.
type Log struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Log.
func New(db *gorm.DB, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{db: db, now: now}
}

// Record implements audit.Recorder. The actor is the caller in ctx, or
// the system when there is none.
func (l *Log) Record(ctx context.Context, e audit.Entry) error {
	row := Row{ActorRole: "system", Action: e.Action, TargetType: e.TargetType,
		TargetID: e.TargetID, Detail: clip(e.Detail, 1000),
		ClientIP: logging.ClientIP(ctx), RequestID: logging.RequestID(ctx),
		CreatedAt: l.now().UTC()}
	if p, ok := auth.FromContext(ctx); ok {
		id := p.UserID
		row.ActorID, row.ActorRole = &id, string(p.Role)
	}
	if err := database.Conn(ctx, l.db).Create(&row).Error; err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// List returns a page of entries matching f, newest first, and how many
// match, in two statements.
func (l *Log) List(ctx context.Context, f audit.Filter) ([]audit.Record, int64, error) {
	q := database.Conn(ctx, l.db).Model(&Row{})
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	// In UTC, as stored: SQLite compares times as text, so an end in the
	// platform's zone would misplace the hours its offset spans.
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit entries: %w", err)
	}
	var rows []Row
	err := q.Order("id DESC").Offset(f.Page.Offset()).Limit(f.Page.PageSize).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list audit entries: %w", err)
	}
	out := make([]audit.Record, len(rows))
	for i, r := range rows {
		out[i] = audit.Record{ID: r.ID, ActorRole: r.ActorRole, Action: r.Action,
			TargetType: r.TargetType, TargetID: r.TargetID, Detail: r.Detail,
			ClientIP: r.ClientIP, RequestID: r.RequestID, CreatedAt: r.CreatedAt}
		if r.ActorID != nil {
			out[i].ActorID = *r.ActorID
		}
	}
	return out, total, nil
}
