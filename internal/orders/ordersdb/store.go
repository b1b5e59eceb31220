// Package ordersdb stores orders with GORM.
package ordersdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/orders"
	"shangyun/internal/problem"
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
func Models() []any { return append([]any{&OrderRow{}, &LineRow{}}, StageModels()...) }

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

// orderView is an order with its buyer's account.
type orderView struct {
	OrderRow
	BuyerCompany string
	BuyerContact string
	BuyerPhone   *string
	BuyerEmail   string
	BuyerRegion  *string
}

const orderColumns = "orders.*, users.company_name AS buyer_company, " +
	"users.contact_name AS buyer_contact, users.phone AS buyer_phone, " +
	"users.email AS buyer_email, users.region_code AS buyer_region"

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (v orderView) domain() (orders.Order, orders.Buyer) {
	r := v.OrderRow
	o := orders.Order{ID: r.ID, EnterpriseID: r.EnterpriseID, ProviderID: r.ProviderID,
		ProviderName: r.ProviderName, Status: r.Status, SubtotalFen: r.SubtotalFen,
		DiscountFen: r.DiscountFen, PayableFen: r.PayableFen, BenefitID: deref(r.BenefitID),
		PolicyID: deref(r.PolicyID), PolicyVersion: deref(r.PolicyVersion),
		PolicyName: deref(r.PolicyName), DiscountRate: deref(r.DiscountRate),
		PerOrderCapFen: deref(r.PerOrderCapFen), NoDiscountReason: deref(r.NoDiscountReason),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	b := orders.Buyer{ID: r.EnterpriseID, CompanyName: v.BuyerCompany,
		ContactName: v.BuyerContact, Phone: deref(v.BuyerPhone), Email: v.BuyerEmail,
		RegionCode: deref(v.BuyerRegion)}
	return o, b
}

func (s *Store) orders(db *gorm.DB) *gorm.DB {
	return db.Table("orders").Select(orderColumns).
		Joins("JOIN users ON users.id = orders.enterprise_id")
}

func (s *Store) get(ctx context.Context, db *gorm.DB, id int64) (orders.Order, orders.Buyer, error) {
	var v orderView
	err := s.orders(db).Where("orders.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return orders.Order{}, orders.Buyer{}, problem.NotFound()
	}
	if err != nil {
		return orders.Order{}, orders.Buyer{}, fmt.Errorf("find order: %w", err)
	}
	o, b := v.domain()
	var lines []LineRow
	if err := database.Reads(ctx, s.db).Where("order_id = ?", id).Order("id").Find(&lines).Error; err != nil {
		return orders.Order{}, orders.Buyer{}, fmt.Errorf("order lines: %w", err)
	}
	for _, l := range lines {
		o.Lines = append(o.Lines, orders.Line{ID: l.ID, OrderID: l.OrderID, ProductID: l.ProductID,
			SpecID: l.SpecID, CategoryID: l.CategoryID, ProductName: l.ProductName,
			SpecName: l.SpecName, UnitPriceFen: l.UnitPriceFen, Quantity: l.Quantity,
			BillingUnit: l.BillingUnit, TotalFen: l.LineTotalFen, Covered: l.Covered})
	}
	return o, b, nil
}

// Get implements orders.Store in two statements.
func (s *Store) Get(ctx context.Context, id int64) (orders.Order, orders.Buyer, error) {
	return s.get(ctx, database.Reads(ctx, s.db), id)
}

// LockOrder implements orders.Store.
func (s *Store) LockOrder(ctx context.Context, id int64) (orders.Order, orders.Buyer, error) {
	if err := database.LockRows(ctx, s.db, "orders", id); err != nil {
		return orders.Order{}, orders.Buyer{}, err
	}
	return s.get(ctx, database.Conn(ctx, s.db), id)
}

var groups = map[string][]string{
	"completed": {orders.StatusCompleted},
	"cancelled": {orders.StatusCancelled},
	"open": {orders.StatusSubmitted, orders.StatusContractPending, orders.StatusContractRejected,
		orders.StatusInProgress, orders.StatusCompletionReported},
}

// summaryColumns are what a list shows of an order.
const summaryColumns = "orders.id, orders.enterprise_id, orders.provider_id, " +
	"orders.provider_name, orders.status, orders.subtotal_fen, orders.discount_fen, " +
	"orders.payable_fen, orders.created_at, orders.updated_at"

// List implements orders.Store in two statements, a count and a page of
// the summary columns.
func (s *Store) List(ctx context.Context, f orders.Filter) ([]orders.Order, int64, error) {
	q := database.Reads(ctx, s.db).Table("orders")
	if f.EnterpriseID != 0 {
		q = q.Where("orders.enterprise_id = ?", f.EnterpriseID)
	}
	if f.ProviderID != 0 {
		q = q.Where("orders.provider_id = ?", f.ProviderID)
	}
	if statuses, ok := groups[f.Group]; ok {
		q = q.Where("orders.status IN ?", statuses)
	}
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count orders: %w", err)
	}
	rows, err := q.Select(summaryColumns).Order("orders.id DESC").Offset(f.Page.Offset()).
		Limit(f.Page.PageSize).Rows()
	if err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	defer func() { _ = rows.Close() }()
	// Scanned by hand: the lists are the most read pages, and GORM's
	// scanning by reflection cost more than the statement itself.
	out := make([]orders.Order, 0, f.Page.PageSize)
	for rows.Next() {
		var o orders.Order
		err := rows.Scan(&o.ID, &o.EnterpriseID, &o.ProviderID, &o.ProviderName, &o.Status,
			&o.SubtotalFen, &o.DiscountFen, &o.PayableFen, &o.CreatedAt, &o.UpdatedAt)
		if err != nil {
			return nil, 0, fmt.Errorf("read orders: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read orders: %w", err)
	}
	return out, total, nil
}

// SetStatus implements orders.Store with a conditional update.
func (s *Store) SetStatus(ctx context.Context, id int64, from, to string, at time.Time) (bool, error) {
	res := database.Conn(ctx, s.db).Model(&OrderRow{}).Where("id = ? AND status = ?", id, from).
		Updates(map[string]any{"status": to, "updated_at": at})
	if res.Error != nil {
		return false, fmt.Errorf("set order status: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
