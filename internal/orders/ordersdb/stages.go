package ordersdb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/orders"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// EventRow is a timeline entry as stored.
type EventRow struct {
	ID           int64     `gorm:"primaryKey"`
	OrderID      int64     `gorm:"not null"`
	ActorID      int64     `gorm:"not null"`
	ActorRole    string    `gorm:"size:16;not null"`
	Action       string    `gorm:"size:32;not null"`
	FromStatus   string    `gorm:"size:24;not null"`
	ToStatus     string    `gorm:"size:24;not null"`
	Note         string    `gorm:"size:2000;not null"`
	AttachmentID *int64    `gorm:""`
	CreatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (EventRow) TableName() string { return "order_events" }

// AttachmentRow is a stage file as stored.
type AttachmentRow struct {
	ID         int64     `gorm:"primaryKey"`
	OrderID    int64     `gorm:"not null"`
	Kind       string    `gorm:"size:24;not null"`
	FileID     int64     `gorm:"not null"`
	UploadedBy int64     `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// TableName names the table.
func (AttachmentRow) TableName() string { return "order_attachments" }

// EvaluationRow is an evaluation as stored.
type EvaluationRow struct {
	ID           int64     `gorm:"primaryKey"`
	OrderID      int64     `gorm:"not null"`
	ProductID    int64     `gorm:"not null"`
	EnterpriseID int64     `gorm:"not null"`
	Rating       int       `gorm:"not null"`
	UsageReport  string    `gorm:"type:text;not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (EvaluationRow) TableName() string { return "evaluations" }

// StageModels lists the stage rows, for schema checks.
func StageModels() []any { return []any{&EventRow{}, &AttachmentRow{}, &EvaluationRow{}} }

// AddEvent implements orders.Store.
func (s *Store) AddEvent(ctx context.Context, e *orders.Event) error {
	r := EventRow{OrderID: e.OrderID, ActorID: e.ActorID, ActorRole: e.ActorRole,
		Action: e.Action, FromStatus: e.From, ToStatus: e.To, Note: e.Note,
		AttachmentID: ptr(e.AttachmentID), CreatedAt: e.At}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("insert order event: %w", err)
	}
	e.ID = r.ID
	return nil
}

// Events implements orders.Store.
func (s *Store) Events(ctx context.Context, orderID int64) ([]orders.Event, error) {
	var rows []EventRow
	if err := database.Reads(ctx, s.db).Where("order_id = ?", orderID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("order events: %w", err)
	}
	out := make([]orders.Event, len(rows))
	for i, r := range rows {
		out[i] = orders.Event{ID: r.ID, OrderID: r.OrderID, ActorID: r.ActorID,
			ActorRole: r.ActorRole, Action: r.Action, From: r.FromStatus, To: r.ToStatus,
			Note: r.Note, AttachmentID: deref(r.AttachmentID), At: r.CreatedAt}
	}
	return out, nil
}

// AddAttachment implements orders.Store.
func (s *Store) AddAttachment(ctx context.Context, a *orders.Attachment) error {
	r := AttachmentRow{OrderID: a.OrderID, Kind: a.Kind, FileID: a.FileID,
		UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("insert order attachment: %w", err)
	}
	a.ID = r.ID
	return nil
}

// Attachments implements orders.Store in one statement.
func (s *Store) Attachments(ctx context.Context, orderID int64) ([]orders.Attachment, error) {
	var rows []struct {
		AttachmentRow
		OriginalName string
		ContentType  string
		SizeBytes    int64
	}
	err := database.Reads(ctx, s.db).Table("order_attachments").
		Select("order_attachments.*, files.original_name, files.content_type, files.size_bytes").
		Joins("JOIN files ON files.id = order_attachments.file_id").
		Where("order_attachments.order_id = ?", orderID).Order("order_attachments.id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("order attachments: %w", err)
	}
	out := make([]orders.Attachment, len(rows))
	for i, r := range rows {
		out[i] = orders.Attachment{ID: r.ID, OrderID: r.OrderID, Kind: r.Kind, FileID: r.FileID,
			Name: r.OriginalName, MIME: r.ContentType, Size: r.SizeBytes,
			UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// Evaluate implements orders.Store.
func (s *Store) Evaluate(ctx context.Context, e *orders.Evaluation, productIDs []int64) error {
	db := database.Conn(ctx, s.db)
	for _, pid := range productIDs {
		r := EvaluationRow{OrderID: e.OrderID, ProductID: pid, EnterpriseID: e.EnterpriseID,
			Rating: e.Rating, UsageReport: e.UsageReport, CreatedAt: e.CreatedAt}
		if err := db.Create(&r).Error; err != nil {
			if _, dup := database.UniqueViolation(err); dup {
				return problem.New(problem.CodeAlreadyEvaluated, problem.Text{
					ZH: "该订单已评价。", EN: "This order has been evaluated already."})
			}
			return fmt.Errorf("insert evaluation: %w", err)
		}
		if e.ID == 0 {
			e.ID, e.ProductID = r.ID, pid
		}
		err := db.Table("products").Where("id = ?", pid).Updates(map[string]any{
			"rating_count": gorm.Expr("rating_count + 1"),
			"rating_total": gorm.Expr("rating_total + ?", e.Rating),
		}).Error
		if err != nil {
			return fmt.Errorf("add product rating: %w", err)
		}
	}
	return nil
}

// ProductEvaluations implements orders.Store in two statements.
func (s *Store) ProductEvaluations(ctx context.Context, productID int64,
	page paging.Request) ([]orders.Evaluation, int64, error) {
	q := database.Conn(ctx, s.db).Table("evaluations").Where("evaluations.product_id = ?", productID).
		Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count evaluations: %w", err)
	}
	var rows []struct {
		EvaluationRow
		CompanyName string
	}
	err := q.Select("evaluations.*, users.company_name").
		Joins("JOIN users ON users.id = evaluations.enterprise_id").
		Order("evaluations.id DESC").Offset(page.Offset()).Limit(page.PageSize).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list evaluations: %w", err)
	}
	out := make([]orders.Evaluation, len(rows))
	for i, r := range rows {
		out[i] = orders.Evaluation{ID: r.ID, OrderID: r.OrderID, ProductID: r.ProductID,
			EnterpriseID: r.EnterpriseID, CompanyName: r.CompanyName, Rating: r.Rating,
			UsageReport: r.UsageReport, CreatedAt: r.CreatedAt}
	}
	return out, total, nil
}
