// Package catalogdb stores the catalog with GORM.
package catalogdb

import (
	"time"

	"gorm.io/gorm"

	"shangyun/internal/catalog"
)

// CategoryRow is a category as stored.
type CategoryRow struct {
	ID           int64     `gorm:"primaryKey"`
	ParentID     *int64    `gorm:""`
	Name         string    `gorm:"size:50;not null"`
	Introduction string    `gorm:"type:text;not null"`
	ImageFileID  *int64    `gorm:""`
	SortOrder    int       `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (CategoryRow) TableName() string { return "categories" }

// ProviderRow is a provider's public profile as stored.
type ProviderRow struct {
	UserID       int64     `gorm:"primaryKey"`
	Description  string    `gorm:"type:text;not null"`
	Website      string    `gorm:"size:200;not null"`
	LogoFileID   *int64    `gorm:""`
	StatusReason *string   `gorm:"size:500"`
	UpdatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (ProviderRow) TableName() string { return "providers" }

// ProductRow is a product as stored.
type ProductRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProviderID  int64     `gorm:"not null"`
	CategoryID  int64     `gorm:"not null"`
	Name        string    `gorm:"size:100;not null"`
	Summary     string    `gorm:"size:300;not null"`
	Description string    `gorm:"type:text;not null"`
	CoverFileID *int64    `gorm:""`
	Status      string    `gorm:"size:16;not null"`
	Blocked     bool      `gorm:"not null"`
	BlockReason *string   `gorm:"size:500"`
	MinPriceFen *int64    `gorm:""`
	RatingCount int       `gorm:"not null"`
	RatingTotal int       `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// TableName names the table.
func (ProductRow) TableName() string { return "products" }

// SpecRow is a spec as stored.
type SpecRow struct {
	ID          int64     `gorm:"primaryKey"`
	ProductID   int64     `gorm:"not null"`
	Name        string    `gorm:"size:50;not null"`
	Description string    `gorm:"size:500;not null"`
	PriceFen    int64     `gorm:"not null"`
	BillingUnit string    `gorm:"size:16;not null"`
	Active      bool      `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// TableName names the table.
func (SpecRow) TableName() string { return "specs" }

// AttachmentRow links a file to a product.
type AttachmentRow struct {
	ID        int64     `gorm:"primaryKey"`
	ProductID int64     `gorm:"not null"`
	FileID    int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName names the table.
func (AttachmentRow) TableName() string { return "product_attachments" }

// Models lists the rows this package stores, for schema checks.
func Models() []any {
	return []any{&CategoryRow{}, &ProviderRow{}, &ProductRow{}, &SpecRow{}, &AttachmentRow{}}
}

// Store is the GORM implementation of catalog.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

func id(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func ref(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func toCategory(r CategoryRow) catalog.Category {
	return catalog.Category{ID: r.ID, ParentID: id(r.ParentID), Name: r.Name,
		Introduction: r.Introduction, ImageFileID: id(r.ImageFileID), SortOrder: r.SortOrder,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func toSpec(r SpecRow) catalog.Spec {
	return catalog.Spec{ID: r.ID, ProductID: r.ProductID, Name: r.Name,
		Description: r.Description, PriceFen: r.PriceFen, BillingUnit: r.BillingUnit,
		Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
