// Package ordersdb stores orders with GORM.
package ordersdb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/orders"
)

// OrderRow is an order as stored.
type OrderRow struct {
	ID               int64     `gorm:"primaryKey"`
	EnterpriseID     int64     `gorm:"not null"`
	ProviderID       int64     `gorm:"not null"`
	ProviderName     string    `gorm:"size:100;not null"`
	Status           string    `gorm:"size:24;not null"`
	SubtotalFen      int64     `gorm:"not null"`
	DiscountFen      int64     `gorm:"not null"`
	PayableFen       int64     `gorm:"not null"`
	BenefitID        *int64    `gorm:""`
	PolicyID         *int64    `gorm:""`
	PolicyVersion    *int      `gorm:""`
	PolicyName       *string   `gorm:"size:100"`
	DiscountRate     *int      `gorm:""`
	PerOrderCapFen   *int64    `gorm:""`
	NoDiscountReason *string   `gorm:"size:32"`
	CreatedAt        time.Time `gorm:"not null"`
	UpdatedAt        time.Time `gorm:"not null"`
}

// TableName names the table.
func (OrderRow) TableName() string { return "orders" }

// LineRow is an order line as stored.
type LineRow struct {
	ID           int64  `gorm:"primaryKey"`
	OrderID      int64  `gorm:"not null"`
	ProductID    int64  `gorm:"not null"`
	SpecID       int64  `gorm:"not null"`
	CategoryID   int64  `gorm:"not null"`
	ProductName  string `gorm:"size:100;not null"`
	SpecName     string `gorm:"size:50;not null"`
	UnitPriceFen int64  `gorm:"not null"`
	Quantity     int    `gorm:"not null"`
	BillingUnit  string `gorm:"size:16;not null"`
	LineTotalFen int64  `gorm:"not null"`
	Covered      bool   `gorm:"not null"`
}

// TableName names the table.
func (LineRow) TableName() string { return "order_lines" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&OrderRow{}, &LineRow{}} }

// Store is the GORM implementation of orders.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

func ptr[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// Create implements orders.Store: the order, then its lines in one
// statement.
func (s *Store) Create(ctx context.Context, o *orders.Order) error {
	r := OrderRow{EnterpriseID: o.EnterpriseID, ProviderID: o.ProviderID,
		ProviderName: o.ProviderName, Status: o.Status, SubtotalFen: o.SubtotalFen,
		DiscountFen: o.DiscountFen, PayableFen: o.PayableFen, BenefitID: ptr(o.BenefitID),
		PolicyID: ptr(o.PolicyID), PolicyVersion: ptr(o.PolicyVersion),
		PolicyName: ptr(o.PolicyName), DiscountRate: ptr(o.DiscountRate),
		PerOrderCapFen: ptr(o.PerOrderCapFen), NoDiscountReason: ptr(o.NoDiscountReason),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	db := database.Conn(ctx, s.db)
	if err := db.Create(&r).Error; err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	o.ID = r.ID
	lines := make([]LineRow, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = LineRow{OrderID: r.ID, ProductID: l.ProductID, SpecID: l.SpecID,
			CategoryID: l.CategoryID, ProductName: l.ProductName, SpecName: l.SpecName,
			UnitPriceFen: l.UnitPriceFen, Quantity: l.Quantity, BillingUnit: l.BillingUnit,
			LineTotalFen: l.TotalFen, Covered: l.Covered}
	}
	if len(lines) > 0 {
		if err := db.Create(&lines).Error; err != nil {
			return fmt.Errorf("insert order lines: %w", err)
		}
	}
	for i := range o.Lines {
		o.Lines[i].ID, o.Lines[i].OrderID = lines[i].ID, r.ID
	}
	return nil
}
