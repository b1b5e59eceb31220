package catalogdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/catalog"
	"shangyun/internal/database"
	"shangyun/internal/problem"
)

// Categories implements catalog.Store.
func (s *Store) Categories(ctx context.Context) ([]catalog.Category, error) {
	var rows []CategoryRow
	err := database.Reads(ctx, s.db).Order("sort_order, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	out := make([]catalog.Category, len(rows))
	for i, r := range rows {
		out[i] = toCategory(r)
	}
	return out, nil
}

// Category implements catalog.Store.
func (s *Store) Category(ctx context.Context, id int64) (catalog.Category, error) {
	var r CategoryRow
	err := database.Reads(ctx, s.db).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return catalog.Category{}, problem.NotFound()
	}
	if err != nil {
		return catalog.Category{}, fmt.Errorf("find category: %w", err)
	}
	return toCategory(r), nil
}

// CreateCategory implements catalog.Store.
func (s *Store) CreateCategory(ctx context.Context, c *catalog.Category) error {
	r := CategoryRow{ParentID: ref(c.ParentID), Name: c.Name, Introduction: c.Introduction,
		SortOrder: c.SortOrder, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("insert category: %w", err)
	}
	c.ID = r.ID
	return nil
}

// UpdateCategory implements catalog.Store.
func (s *Store) UpdateCategory(ctx context.Context, id int64, ch catalog.CategoryChange,
	at time.Time) error {
	set := map[string]any{"updated_at": at}
	if ch.Name != nil {
		set["name"] = *ch.Name
	}
	if ch.Introduction != nil {
		set["introduction"] = *ch.Introduction
	}
	if ch.SortOrder != nil {
		set["sort_order"] = *ch.SortOrder
	}
	return s.update(ctx, &CategoryRow{}, id, set, "update category")
}

// update changes one row by id, answering not_found when there is none.
func (s *Store) update(ctx context.Context, model any, id int64, set map[string]any, op string) error {
	res := database.Conn(ctx, s.db).Model(model).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("%s: %w", op, res.Error)
	}
	if res.RowsAffected == 0 {
		return problem.NotFound()
	}
	return nil
}

// DeleteCategory implements catalog.Store.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	err := database.Conn(ctx, s.db).Where("id = ?", id).Delete(&CategoryRow{}).Error
	if err != nil {
		return fmt.Errorf("delete category: %w", err)
	}
	return nil
}

// CategoryUsage implements catalog.Store.
func (s *Store) CategoryUsage(ctx context.Context, id int64) (int64, int64, error) {
	var children, products int64
	db := database.Conn(ctx, s.db)
	if err := db.Model(&CategoryRow{}).Where("parent_id = ?", id).Count(&children).Error; err != nil {
		return 0, 0, fmt.Errorf("count subcategories: %w", err)
	}
	if err := db.Model(&ProductRow{}).Where("category_id = ?", id).Count(&products).Error; err != nil {
		return 0, 0, fmt.Errorf("count category products: %w", err)
	}
	return children, products, nil
}

// SetCategoryImage implements catalog.Store.
func (s *Store) SetCategoryImage(ctx context.Context, id, fileID int64, at time.Time) error {
	return s.update(ctx, &CategoryRow{}, id,
		map[string]any{"image_file_id": fileID, "updated_at": at}, "set category image")
}

// publicProducts narrows a query on products to the public ones: published,
// of an approved provider whose account is enabled.
func publicProducts(db *gorm.DB) *gorm.DB {
	return db.Joins("JOIN users ON users.id = products.provider_id").
		Where("products.status = ? AND users.provider_status = ? AND users.status = ?",
			catalog.StatusPublished, "approved", "active")
}

// CategoryProviders implements catalog.Store in one statement.
func (s *Store) CategoryProviders(ctx context.Context, categoryID int64) ([]catalog.CategoryProvider, error) {
	var rows []struct {
		ProviderID     int64
		Name           string
		LogoFileID     *int64
		ProductCount   int
		LowestPriceFen *int64
	}
	q := publicProducts(database.Reads(ctx, s.db).Table("products")).
		Joins("LEFT JOIN providers ON providers.user_id = products.provider_id").
		Where("products.category_id = ?", categoryID).
		Select("users.id AS provider_id, users.company_name AS name, " +
			"providers.logo_file_id AS logo_file_id, COUNT(products.id) AS product_count, " +
			"MIN(products.min_price_fen) AS lowest_price_fen").
		Group("users.id, users.company_name, providers.logo_file_id").
		Order("users.company_name, users.id")
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("category providers: %w", err)
	}
	out := make([]catalog.CategoryProvider, len(rows))
	for i, r := range rows {
		out[i] = catalog.CategoryProvider{ProviderID: r.ProviderID, Name: r.Name,
			LogoFileID: id(r.LogoFileID), ProductCount: r.ProductCount,
			LowestPriceFen: id(r.LowestPriceFen)}
	}
	return out, nil
}
