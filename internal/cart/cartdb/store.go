// Package cartdb stores carts with GORM.
package cartdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shangyun/internal/cart"
	"shangyun/internal/database"
	"shangyun/internal/problem"
)

// Row is a cart line as stored.
type Row struct {
	ID           int64     `gorm:"primaryKey"`
	EnterpriseID int64     `gorm:"not null"`
	SpecID       int64     `gorm:"not null"`
	Quantity     int       `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (Row) TableName() string { return "cart_items" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&Row{}} }

// Store is the GORM implementation of cart.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

type view struct {
	ID             int64
	EnterpriseID   int64
	SpecID         int64
	Quantity       int
	CreatedAt      time.Time
	SpecName       string
	PriceFen       int64
	BillingUnit    string
	SpecActive     bool
	ProductID      int64
	ProductName    string
	CoverFileID    *int64
	CategoryID     int64
	ProductStatus  string
	ProviderID     int64
	ProviderName   string
	ProviderStatus *string
	UserStatus     string
}

const specColumns = "specs.id AS spec_id, specs.name AS spec_name, specs.price_fen, " +
	"specs.billing_unit, specs.active AS spec_active, products.id AS product_id, " +
	"products.name AS product_name, products.cover_file_id, products.category_id, " +
	"products.status AS product_status, users.id AS provider_id, " +
	"users.company_name AS provider_name, users.provider_status, users.status AS user_status"

func specJoins(db *gorm.DB) *gorm.DB {
	return db.Joins("JOIN products ON products.id = specs.product_id").
		Joins("JOIN users ON users.id = products.provider_id")
}

func (v view) line() cart.Line {
	l := cart.Line{ID: v.ID, EnterpriseID: v.EnterpriseID, SpecID: v.SpecID, Quantity: v.Quantity,
		SpecName: v.SpecName, PriceFen: v.PriceFen, BillingUnit: v.BillingUnit,
		SpecActive: v.SpecActive, ProductID: v.ProductID, ProductName: v.ProductName,
		CategoryID: v.CategoryID, ProviderID: v.ProviderID, ProviderName: v.ProviderName,
		CreatedAt: v.CreatedAt,
		ProductPublic: v.ProductStatus == "published" && v.ProviderStatus != nil &&
			*v.ProviderStatus == "approved" && v.UserStatus == "active"}
	if v.CoverFileID != nil {
		l.ProductCoverID = *v.CoverFileID
	}
	return l
}

// Lines implements cart.Store in one statement.
func (s *Store) Lines(ctx context.Context, enterpriseID int64, ids []int64, lock bool) ([]cart.Line, error) {
	if lock {
		if err := s.lock(ctx, enterpriseID, ids); err != nil {
			return nil, err
		}
	}
	q := specJoins(database.Conn(ctx, s.db).Table("cart_items").
		Select("cart_items.id, cart_items.enterprise_id, cart_items.quantity, cart_items.created_at, "+
			specColumns).
		Joins("JOIN specs ON specs.id = cart_items.spec_id")).
		Where("cart_items.enterprise_id = ?", enterpriseID)
	if ids != nil {
		q = q.Where("cart_items.id IN ?", ids)
	}
	var views []view
	if err := q.Order("cart_items.id").Scan(&views).Error; err != nil {
		return nil, fmt.Errorf("cart lines: %w", err)
	}
	out := make([]cart.Line, len(views))
	for i, v := range views {
		out[i] = v.line()
	}
	return out, nil
}

// lock holds the enterprise's cart rows (those with ids, or all) until the
// transaction ends. Only cart rows are locked: the products, specs and
// providers they join are shared with other enterprises' checkouts.
func (s *Store) lock(ctx context.Context, enterpriseID int64, ids []int64) error {
	q := database.Conn(ctx, s.db).Model(&Row{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("enterprise_id = ?", enterpriseID)
	if ids != nil {
		q = q.Where("id IN ?", ids)
	}
	var got []int64
	if err := q.Order("id").Pluck("id", &got).Error; err != nil {
		return fmt.Errorf("lock cart lines: %w", err)
	}
	return nil
}

// Spec implements cart.Store.
func (s *Store) Spec(ctx context.Context, specID int64) (cart.Line, error) {
	var v view
	err := specJoins(database.Conn(ctx, s.db).Table("specs").Select(specColumns)).
		Where("specs.id = ?", specID).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return cart.Line{}, problem.NotFound()
	}
	if err != nil {
		return cart.Line{}, fmt.Errorf("find spec: %w", err)
	}
	return v.line(), nil
}

// Add implements cart.Store.
func (s *Store) Add(ctx context.Context, enterpriseID, specID int64, quantity int, at time.Time) (int64, error) {
	r := Row{EnterpriseID: enterpriseID, SpecID: specID, Quantity: quantity, CreatedAt: at, UpdatedAt: at}
	err := database.Conn(ctx, s.db).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "enterprise_id"}, {Name: "spec_id"}},
		DoUpdates: clause.Assignments(map[string]any{
			"quantity": gorm.Expr("cart_items.quantity + ?", quantity), "updated_at": at}),
	}).Create(&r).Error
	if err != nil {
		return 0, fmt.Errorf("add to cart: %w", err)
	}
	var id int64
	err = database.Conn(ctx, s.db).Model(&Row{}).Select("id").
		Where("enterprise_id = ? AND spec_id = ?", enterpriseID, specID).Scan(&id).Error
	if err != nil {
		return 0, fmt.Errorf("find cart line: %w", err)
	}
	return id, nil
}

// SetQuantity implements cart.Store.
func (s *Store) SetQuantity(ctx context.Context, enterpriseID, id int64, quantity int, at time.Time) error {
	res := database.Conn(ctx, s.db).Model(&Row{}).
		Where("id = ? AND enterprise_id = ?", id, enterpriseID).
		Updates(map[string]any{"quantity": quantity, "updated_at": at})
	if res.Error != nil {
		return fmt.Errorf("set quantity: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return problem.NotFound()
	}
	return nil
}

// Remove implements cart.Store.
func (s *Store) Remove(ctx context.Context, enterpriseID int64, ids []int64) error {
	err := database.Conn(ctx, s.db).Where("enterprise_id = ? AND id IN ?", enterpriseID, ids).
		Delete(&Row{}).Error
	if err != nil {
		return fmt.Errorf("remove cart lines: %w", err)
	}
	return nil
}

// Count implements cart.Store.
func (s *Store) Count(ctx context.Context, enterpriseID int64) (int64, error) {
	var n int64
	err := database.Conn(ctx, s.db).Model(&Row{}).Where("enterprise_id = ?", enterpriseID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count cart: %w", err)
	}
	return n, nil
}
