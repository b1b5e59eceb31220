package catalogdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/catalog"
	"shangyun/internal/database"
	"shangyun/internal/problem"
)

// productView is a product with its provider's name and standing.
type productView struct {
	ProductRow
	ProviderName   string
	ProviderStatus *string
	UserStatus     string
}

// listColumns are what a list shows of a product: all but the
// description, which can be long and only the detail shows. detailColumns
// add it. fields names where each is read to.
const (
	listColumns = "products.id, products.provider_id, products.category_id, products.name, " +
		"products.summary, products.cover_file_id, products.status, products.blocked, " +
		"products.block_reason, products.min_price_fen, products.rating_count, " +
		"products.rating_total, products.created_at, products.updated_at, " +
		"users.company_name, users.provider_status, users.status"
	detailColumns = listColumns + ", products.description"
)

// fields are the destinations of listColumns, and of the description when
// detail is set. The product reads are the most frequent of all and are
// scanned by hand: GORM's scanning by reflection cost more than the
// statements themselves.
func (v *productView) fields(detail bool) []any {
	r := &v.ProductRow
	out := []any{&r.ID, &r.ProviderID, &r.CategoryID, &r.Name, &r.Summary, &r.CoverFileID,
		&r.Status, &r.Blocked, &r.BlockReason, &r.MinPriceFen, &r.RatingCount, &r.RatingTotal,
		&r.CreatedAt, &r.UpdatedAt, &v.ProviderName, &v.ProviderStatus, &v.UserStatus}
	if detail {
		out = append(out, &r.Description)
	}
	return out
}

func (v productView) domain() catalog.Product {
	r := v.ProductRow
	return catalog.Product{
		ID: r.ID, ProviderID: r.ProviderID, ProviderName: v.ProviderName,
		ProviderPublic: text(v.ProviderStatus) == "approved" && v.UserStatus == "active",
		CategoryID:     r.CategoryID, Name: r.Name, Summary: r.Summary,
		Description: r.Description, CoverFileID: id(r.CoverFileID), Status: r.Status,
		Blocked: r.Blocked, BlockReason: text(r.BlockReason), MinPriceFen: id(r.MinPriceFen),
		RatingCount: r.RatingCount, RatingTotal: r.RatingTotal, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt,
	}
}

func (s *Store) product(db *gorm.DB, pid int64) (catalog.Product, error) {
	var v productView
	err := db.Table("products").Select(detailColumns).
		Joins("JOIN users ON users.id = products.provider_id").
		Where("products.id = ?", pid).Limit(1).Row().Scan(v.fields(true)...)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Product{}, problem.NotFound()
	}
	if err != nil {
		return catalog.Product{}, fmt.Errorf("find product: %w", err)
	}
	return v.domain(), nil
}

// Product implements catalog.Store in one statement.
func (s *Store) Product(ctx context.Context, pid int64) (catalog.Product, error) {
	return s.product(database.Reads(ctx, s.db), pid)
}

// LockProduct implements catalog.Store.
func (s *Store) LockProduct(ctx context.Context, pid int64) (catalog.Product, error) {
	if err := database.LockRows(ctx, s.db, "products", pid); err != nil {
		return catalog.Product{}, err
	}
	return s.product(database.Conn(ctx, s.db), pid)
}

// CreateProduct implements catalog.Store.
func (s *Store) CreateProduct(ctx context.Context, p *catalog.Product) error {
	r := ProductRow{ProviderID: p.ProviderID, CategoryID: p.CategoryID, Name: p.Name,
		Summary: p.Summary, Description: p.Description, Status: p.Status,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("insert product: %w", err)
	}
	p.ID = r.ID
	return nil
}

// UpdateProduct implements catalog.Store.
func (s *Store) UpdateProduct(ctx context.Context, pid int64, ch catalog.ProductChange,
	at time.Time) error {
	set := map[string]any{"updated_at": at}
	if ch.CategoryID != nil {
		set["category_id"] = *ch.CategoryID
	}
	if ch.Name != nil {
		set["name"] = *ch.Name
	}
	if ch.Summary != nil {
		set["summary"] = *ch.Summary
	}
	if ch.Description != nil {
		set["description"] = *ch.Description
	}
	return s.update(ctx, &ProductRow{}, pid, set, "update product")
}

// SetProductState implements catalog.Store.
func (s *Store) SetProductState(ctx context.Context, pid int64, status string, blocked bool,
	reason string, at time.Time) error {
	set := map[string]any{"status": status, "blocked": blocked, "block_reason": nil,
		"updated_at": at}
	if blocked {
		set["block_reason"] = reason
	}
	return s.update(ctx, &ProductRow{}, pid, set, "set product state")
}

// SetProductCover implements catalog.Store.
func (s *Store) SetProductCover(ctx context.Context, pid, fileID int64, at time.Time) error {
	return s.update(ctx, &ProductRow{}, pid,
		map[string]any{"cover_file_id": fileID, "updated_at": at}, "set product cover")
}

// orders are the sort orders of the product list; every one ends with the
// id, newest first, so that pages never overlap.
var orders = map[string]string{
	catalog.SortNewest:    "products.id DESC",
	catalog.SortPriceAsc:  "products.min_price_fen ASC, products.id DESC",
	catalog.SortPriceDesc: "products.min_price_fen DESC, products.id DESC",
	// Known limit: the rating order is computed per row, not read from an
	// index; it scans the filtered products.
	catalog.SortRating: "CASE WHEN products.rating_count = 0 THEN 1 ELSE 0 END, " +
		"products.rating_total * 1.0 / NULLIF(products.rating_count, 0) DESC, products.id DESC",
}

// ListProducts implements catalog.Store in two statements, a count and a
// page, whatever the page size.
func (s *Store) ListProducts(ctx context.Context, f catalog.ProductFilter) ([]catalog.Product, int64, error) {
	q := database.Reads(ctx, s.db).Table("products")
	if f.PublicOnly {
		q = publicProducts(q)
	} else {
		q = q.Joins("JOIN users ON users.id = products.provider_id")
	}
	if f.ProviderID != 0 {
		q = q.Where("products.provider_id = ?", f.ProviderID)
	}
	if f.CategoryID != 0 {
		q = q.Where("products.category_id = ?", f.CategoryID)
	}
	if f.Status != "" {
		q = q.Where("products.status = ?", f.Status)
	}
	if f.Q != "" {
		// Known limit: a substring match is a scan of the filtered rows,
		// which is what Chinese text without a word index needs.
		like := database.Contains(f.Q)
		q = q.Where("(products.name LIKE ? ESCAPE '!' OR products.summary LIKE ? ESCAPE '!')",
			like, like)
	}
	q = q.Session(&gorm.Session{})

	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count products: %w", err)
	}
	order, ok := orders[f.Sort]
	if !ok {
		order = orders[catalog.SortNewest]
	}
	rows, err := q.Select(listColumns).Order(order).Offset(f.Page.Offset()).
		Limit(f.Page.PageSize).Rows()
	if err != nil {
		return nil, 0, fmt.Errorf("list products: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := make([]catalog.Product, 0, f.Page.PageSize)
	for rows.Next() {
		var v productView
		if err := rows.Scan(v.fields(false)...); err != nil {
			return nil, 0, fmt.Errorf("read products: %w", err)
		}
		out = append(out, v.domain())
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read products: %w", err)
	}
	return out, total, nil
}
