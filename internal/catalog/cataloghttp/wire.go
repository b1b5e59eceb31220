// Package cataloghttp serves the catalog over HTTP: public reads, the
// provider's own products, and the admin's categories and decisions.
package cataloghttp

import (
	"strconv"
	"time"

	"shangyun/internal/catalog"
)

// CategoryNode is a node of the category tree.
type CategoryNode struct {
	ID           int64          `json:"id" validate:"required" example:"2"`
	Name         string         `json:"name" validate:"required" example:"云主机"`
	ParentID     *int64         `json:"parent_id" validate:"required" extensions:"x-nullable" example:"1"`
	Introduction string         `json:"introduction" validate:"required"`
	ImageURL     *string        `json:"image_url" validate:"required" extensions:"x-nullable"`
	SortOrder    int            `json:"sort_order" validate:"required"`
	Children     []CategoryNode `json:"children" validate:"required"`
} // @name CategoryNode

// CategoryProvider is a provider offering a category.
type CategoryProvider struct {
	ID             int64   `json:"id" validate:"required"`
	Name           string  `json:"name" validate:"required" example:"中原云服务有限公司"`
	LogoURL        *string `json:"logo_url" validate:"required" extensions:"x-nullable"`
	ProductCount   int     `json:"product_count" validate:"required" example:"3"`
	LowestPriceFen *int64  `json:"lowest_price_fen" validate:"required" extensions:"x-nullable" example:"9900"`
} // @name CategoryProvider

// CategoryPage is a category's introduction page (产品介绍).
type CategoryPage struct {
	CategoryNode
	Providers []CategoryProvider `json:"providers" validate:"required"`
} // @name CategoryPage

// ProviderResponse is a provider's public profile; Status and
// StatusReason are shown to the provider itself only.
type ProviderResponse struct {
	ID           int64   `json:"id" validate:"required"`
	Name         string  `json:"name" validate:"required" example:"中原云服务有限公司"`
	Description  string  `json:"description" validate:"required"`
	Website      string  `json:"website" validate:"required" example:"https://cloud.example.com"`
	LogoURL      *string `json:"logo_url" validate:"required" extensions:"x-nullable"`
	RegionCode   *string `json:"region_code" validate:"required" extensions:"x-nullable"`
	Status       string  `json:"status,omitempty" enums:"pending,approved,rejected"`
	StatusReason *string `json:"status_reason,omitempty"`
} // @name Provider

// ProviderRef names a product's provider.
type ProviderRef struct {
	ID   int64  `json:"id" validate:"required"`
	Name string `json:"name" validate:"required"`
} // @name ProviderRef

// Rating summarises a product's evaluations.
type Rating struct {
	Average float64 `json:"average" validate:"required" example:"4.5"`
	Count   int     `json:"count" validate:"required" example:"12"`
} // @name Rating

// ProductSummary is a product in a list.
type ProductSummary struct {
	ID             int64       `json:"id" validate:"required"`
	Name           string      `json:"name" validate:"required" example:"弹性云主机"`
	Summary        string      `json:"summary" validate:"required"`
	CategoryID     int64       `json:"category_id" validate:"required"`
	Provider       ProviderRef `json:"provider" validate:"required"`
	CoverURL       *string     `json:"cover_url" validate:"required" extensions:"x-nullable"`
	LowestPriceFen *int64      `json:"lowest_price_fen" validate:"required" extensions:"x-nullable"`
	Rating         Rating      `json:"rating" validate:"required"`
	Status         string      `json:"status" validate:"required" enums:"draft,published,unpublished"`
	CreatedAt      time.Time   `json:"created_at" validate:"required"`
} // @name ProductSummary

// SpecResponse is a spec.
type SpecResponse struct {
	ID          int64  `json:"id" validate:"required"`
	ProductID   int64  `json:"product_id" validate:"required"`
	Name        string `json:"name" validate:"required" example:"2核4G"`
	Description string `json:"description" validate:"required"`
	PriceFen    int64  `json:"price_fen" validate:"required" example:"19900"`
	BillingUnit string `json:"billing_unit" validate:"required" enums:"month,year,one_time"`
	Active      bool   `json:"active" validate:"required"`
} // @name Spec

// AttachmentResponse is a product document.
type AttachmentResponse struct {
	ID          int64     `json:"id" validate:"required"`
	Name        string    `json:"name" validate:"required" example:"产品白皮书.pdf"`
	ContentType string    `json:"content_type" validate:"required" example:"application/pdf"`
	SizeBytes   int64     `json:"size_bytes" validate:"required"`
	URL         string    `json:"url" validate:"required"`
	CreatedAt   time.Time `json:"created_at" validate:"required"`
} // @name ProductAttachment

// ProductDetail is a product with its specs and attachments. Blocked and
// BlockReason tell a provider an admin unpublished it.
type ProductDetail struct {
	ProductSummary
	Description string               `json:"description" validate:"required"`
	Specs       []SpecResponse       `json:"specs" validate:"required"`
	Attachments []AttachmentResponse `json:"attachments" validate:"required"`
	Blocked     bool                 `json:"blocked" validate:"required"`
	BlockReason *string              `json:"block_reason" validate:"required" extensions:"x-nullable"`
	UpdatedAt   time.Time            `json:"updated_at" validate:"required"`
} // @name ProductDetail

// ProductPage is a page of products.
type ProductPage struct {
	Items    []ProductSummary `json:"items" validate:"required"`
	Page     int              `json:"page" validate:"required"`
	PageSize int              `json:"page_size" validate:"required"`
	Total    int64            `json:"total" validate:"required"`
} // @name ProductPage

// CategoryRequest creates a category.
type CategoryRequest struct {
	Name         string `json:"name" validate:"required,max=200" example:"云主机"`
	ParentID     int64  `json:"parent_id" validate:"gte=0" example:"1"`
	Introduction string `json:"introduction" validate:"max=20000"`
	SortOrder    int    `json:"sort_order"`
} // @name CategoryRequest

// CategoryPatch edits a category; absent fields stay.
type CategoryPatch struct {
	Name         *string `json:"name" validate:"omitempty,max=200"`
	Introduction *string `json:"introduction" validate:"omitempty,max=20000"`
	SortOrder    *int    `json:"sort_order"`
} // @name CategoryPatch

// ProductRequest creates a product; ProductPatch edits one.
type ProductRequest struct {
	CategoryID  int64  `json:"category_id" validate:"required,gt=0" example:"2"`
	Name        string `json:"name" validate:"required,max=400" example:"弹性云主机"`
	Summary     string `json:"summary" validate:"max=1200" example:"按需付费的企业级云服务器"`
	Description string `json:"description" validate:"max=40000"`
} // @name ProductRequest

// ProductPatch edits a product; absent fields stay.
type ProductPatch struct {
	CategoryID  *int64  `json:"category_id" validate:"omitempty,gt=0"`
	Name        *string `json:"name" validate:"omitempty,max=400"`
	Summary     *string `json:"summary" validate:"omitempty,max=1200"`
	Description *string `json:"description" validate:"omitempty,max=40000"`
} // @name ProductPatch

// SpecRequest creates a spec.
type SpecRequest struct {
	Name        string `json:"name" validate:"required,max=200" example:"2核4G"`
	Description string `json:"description" validate:"max=2000"`
	PriceFen    int64  `json:"price_fen" validate:"required" example:"19900"`
	BillingUnit string `json:"billing_unit" validate:"required" enums:"month,year,one_time"`
} // @name SpecRequest

// SpecPatch edits a spec; "active": true restores a deactivated one.
type SpecPatch struct {
	Name        *string `json:"name" validate:"omitempty,max=200"`
	Description *string `json:"description" validate:"omitempty,max=2000"`
	PriceFen    *int64  `json:"price_fen"`
	BillingUnit *string `json:"billing_unit" enums:"month,year,one_time"`
	Active      *bool   `json:"active"`
} // @name SpecPatch

// ProfileRequest edits the provider's public profile.
type ProfileRequest struct {
	Description *string `json:"description" validate:"omitempty,max=20000"`
	Website     *string `json:"website" validate:"omitempty,max=200" example:"https://cloud.example.com"`
} // @name ProviderProfileRequest

// ReasonRequest carries the reason of an admin's decision.
type ReasonRequest struct {
	Reason string `json:"reason" validate:"required,max=2000" example:"资质材料不完整"`
} // @name ReasonRequest

func url(parts ...string) string {
	s := "/api/v1"
	for _, p := range parts {
		s += "/" + p
	}
	return s
}

func idString(n int64) string { return strconv.FormatInt(n, 10) }

func optionalURL(fileID int64, parts ...string) *string {
	if fileID == 0 {
		return nil
	}
	u := url(parts...)
	return &u
}

func optionalID(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func optionalText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toNode(c catalog.Category) CategoryNode {
	n := CategoryNode{ID: c.ID, Name: c.Name, ParentID: optionalID(c.ParentID),
		Introduction: c.Introduction, SortOrder: c.SortOrder,
		ImageURL: optionalURL(c.ImageFileID, "categories", idString(c.ID), "image"),
		Children: make([]CategoryNode, 0, len(c.Children))}
	for _, ch := range c.Children {
		n.Children = append(n.Children, toNode(ch))
	}
	return n
}

func toProvider(p catalog.Provider, own bool) ProviderResponse {
	r := ProviderResponse{ID: p.ID, Name: p.Name, Description: p.Description,
		Website: p.Website, RegionCode: optionalText(p.RegionCode),
		LogoURL: optionalURL(p.LogoFileID, "providers", idString(p.ID), "logo")}
	if own {
		r.Status, r.StatusReason = p.Approval, optionalText(p.StatusReason)
	}
	return r
}

func toSummary(p catalog.Product) ProductSummary {
	return ProductSummary{ID: p.ID, Name: p.Name, Summary: p.Summary, CategoryID: p.CategoryID,
		Provider:       ProviderRef{ID: p.ProviderID, Name: p.ProviderName},
		CoverURL:       optionalURL(p.CoverFileID, "products", idString(p.ID), "cover"),
		LowestPriceFen: optionalID(p.MinPriceFen),
		Rating:         Rating{Average: p.RatingAverage(), Count: p.RatingCount},
		Status:         p.Status, CreatedAt: p.CreatedAt.UTC()}
}

func toSpec(s catalog.Spec) SpecResponse {
	return SpecResponse{ID: s.ID, ProductID: s.ProductID, Name: s.Name,
		Description: s.Description, PriceFen: s.PriceFen, BillingUnit: s.BillingUnit,
		Active: s.Active}
}

func toAttachment(a catalog.Attachment) AttachmentResponse {
	return AttachmentResponse{ID: a.ID, Name: a.File.Name, ContentType: a.File.ContentType,
		SizeBytes: a.File.Size, CreatedAt: a.CreatedAt.UTC(),
		URL: url("products", idString(a.ProductID), "attachments", idString(a.ID))}
}

func toDetail(p catalog.Product) ProductDetail {
	d := ProductDetail{ProductSummary: toSummary(p), Description: p.Description,
		Specs: make([]SpecResponse, 0, len(p.Specs)), Blocked: p.Blocked,
		BlockReason: optionalText(p.BlockReason),
		Attachments: make([]AttachmentResponse, 0, len(p.Attachments)),
		UpdatedAt:   p.UpdatedAt.UTC()}
	for _, s := range p.Specs {
		d.Specs = append(d.Specs, toSpec(s))
	}
	for _, a := range p.Attachments {
		d.Attachments = append(d.Attachments, toAttachment(a))
	}
	return d
}

func toPage(items []catalog.Product, page, size int, total int64) ProductPage {
	out := ProductPage{Items: make([]ProductSummary, len(items)), Page: page, PageSize: size,
		Total: total}
	for i, p := range items {
		out.Items[i] = toSummary(p)
	}
	return out
}
