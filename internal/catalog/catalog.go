// Package catalog owns what is for sale (产品目录): a two-level category
// tree, providers' public profiles, their products with specs (规格) and
// attachments (附件). Only published products of approved, enabled
// providers are public.
package catalog

import (
	"context"
	"time"

	"shangyun/internal/files"
	"shangyun/internal/paging"
)

// Statuses of a product.
const (
	StatusDraft       = "draft"
	StatusPublished   = "published"
	StatusUnpublished = "unpublished"
)

// Billing units of a spec.
const (
	BillingMonth   = "month"
	BillingYear    = "year"
	BillingOneTime = "one_time"
)

// Sort orders of the public product list.
const (
	SortNewest    = "newest"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortRating    = "rating"
)

// Category is a node of the two-level tree.
type Category struct {
	ID           int64
	ParentID     int64
	Name         string
	Introduction string
	ImageFileID  int64
	SortOrder    int
	Children     []Category
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CategoryProvider is a provider offering products in a category.
type CategoryProvider struct {
	ProviderID     int64
	Name           string
	LogoFileID     int64
	ProductCount   int
	LowestPriceFen int64
}

// Provider is a provider's public face and its standing.
type Provider struct {
	ID           int64
	Name         string
	ContactName  string
	Email        string
	RegionCode   string
	Approval     string
	Active       bool
	Description  string
	Website      string
	LogoFileID   int64
	StatusReason string
	ProductCount int
}

// Public reports whether the provider's profile and products are public.
func (p Provider) Public() bool { return p.Approval == "approved" && p.Active }

// Product is one offering of a provider.
type Product struct {
	ID           int64
	ProviderID   int64
	ProviderName string
	// ProviderPublic is whether the provider is approved and enabled.
	ProviderPublic bool
	CategoryID     int64
	Name           string
	Summary        string
	Description    string
	CoverFileID    int64
	Status         string
	Blocked        bool
	BlockReason    string
	// MinPriceFen is the lowest price among active specs, 0 without any.
	MinPriceFen int64
	RatingCount int
	RatingTotal int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Specs       []Spec
	Attachments []Attachment
}

// Public reports whether anyone may see the product.
func (p Product) Public() bool { return p.Status == StatusPublished && p.ProviderPublic }

// RatingAverage is the mean rating, 0 when unrated.
func (p Product) RatingAverage() float64 {
	if p.RatingCount == 0 {
		return 0
	}
	return float64(p.RatingTotal) / float64(p.RatingCount)
}

// Spec is a priced variant of a product.
type Spec struct {
	ID          int64
	ProductID   int64
	Name        string
	Description string
	PriceFen    int64
	BillingUnit string
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Attachment is a document offered with a product.
type Attachment struct {
	ID        int64
	ProductID int64
	File      files.File
	CreatedAt time.Time
}

// ProductFilter selects products to list.
type ProductFilter struct {
	// PublicOnly keeps published products of public providers.
	PublicOnly bool
	ProviderID int64
	CategoryID int64
	Status     string
	// Q matches part of the name or summary.
	Q    string
	Sort string
	Page paging.Request
}

// ProductChange is an edit of a product; nil fields stay.
type ProductChange struct {
	CategoryID  *int64
	Name        *string
	Summary     *string
	Description *string
}

// SpecChange is an edit of a spec; nil fields stay.
type SpecChange struct {
	Name        *string
	Description *string
	PriceFen    *int64
	BillingUnit *string
	Active      *bool
}

// CategoryChange is an edit of a category; nil fields stay.
type CategoryChange struct {
	Name         *string
	Introduction *string
	SortOrder    *int
}

// Store keeps the catalog. Methods join the transaction ctx carries and
// return not_found problems for missing objects.
type Store interface {
	Categories(ctx context.Context) ([]Category, error)
	Category(ctx context.Context, id int64) (Category, error)
	CreateCategory(ctx context.Context, c *Category) error
	UpdateCategory(ctx context.Context, id int64, ch CategoryChange, at time.Time) error
	DeleteCategory(ctx context.Context, id int64) error
	// CategoryUsage counts a category's children and products.
	CategoryUsage(ctx context.Context, id int64) (children, products int64, err error)
	SetCategoryImage(ctx context.Context, id, fileID int64, at time.Time) error
	// CategoryProviders lists the public providers with public products in
	// a category, by name.
	CategoryProviders(ctx context.Context, categoryID int64) ([]CategoryProvider, error)

	Provider(ctx context.Context, id int64) (Provider, error)
	SaveProviderProfile(ctx context.Context, id int64, description, website string, at time.Time) error
	SetProviderLogo(ctx context.Context, id, fileID int64, at time.Time) error
	// DecideProvider sets a provider's approval unless it already has it;
	// it returns false when nothing changed.
	DecideProvider(ctx context.Context, id int64, approval, reason string, at time.Time) (bool, error)

	CreateProduct(ctx context.Context, p *Product) error
	// Product returns a product with its provider's name and standing,
	// without specs or attachments.
	Product(ctx context.Context, id int64) (Product, error)
	// LockProduct is Product holding the row until the transaction ends.
	LockProduct(ctx context.Context, id int64) (Product, error)
	UpdateProduct(ctx context.Context, id int64, ch ProductChange, at time.Time) error
	SetProductState(ctx context.Context, id int64, status string, blocked bool, reason string,
		at time.Time) error
	SetProductCover(ctx context.Context, id, fileID int64, at time.Time) error
	ListProducts(ctx context.Context, f ProductFilter) ([]Product, int64, error)

	Specs(ctx context.Context, productID int64) ([]Spec, error)
	Spec(ctx context.Context, id int64) (Spec, error)
	CreateSpec(ctx context.Context, s *Spec) error
	UpdateSpec(ctx context.Context, id int64, ch SpecChange, at time.Time) error
	// RefreshMinPrice recomputes a product's lowest active spec price.
	RefreshMinPrice(ctx context.Context, productID int64) error

	Attachments(ctx context.Context, productID int64) ([]Attachment, error)
	Attachment(ctx context.Context, id int64) (Attachment, error)
	CreateAttachment(ctx context.Context, a *Attachment) error
	DeleteAttachment(ctx context.Context, id int64) error
}
