package catalogdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shangyun/internal/catalog"
	"shangyun/internal/database"
	"shangyun/internal/files"
	"shangyun/internal/files/filesdb"
	"shangyun/internal/problem"
)

// Specs implements catalog.Store: active specs first, cheapest first.
func (s *Store) Specs(ctx context.Context, productID int64) ([]catalog.Spec, error) {
	var rows []SpecRow
	err := database.Reads(ctx, s.db).Where("product_id = ?", productID).
		Order("active DESC, price_fen, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list specs: %w", err)
	}
	out := make([]catalog.Spec, len(rows))
	for i, r := range rows {
		out[i] = toSpec(r)
	}
	return out, nil
}

// Spec implements catalog.Store.
func (s *Store) Spec(ctx context.Context, sid int64) (catalog.Spec, error) {
	var r SpecRow
	err := database.Conn(ctx, s.db).Where("id = ?", sid).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return catalog.Spec{}, problem.NotFound()
	}
	if err != nil {
		return catalog.Spec{}, fmt.Errorf("find spec: %w", err)
	}
	return toSpec(r), nil
}

// CreateSpec implements catalog.Store.
func (s *Store) CreateSpec(ctx context.Context, sp *catalog.Spec) error {
	r := SpecRow{ProductID: sp.ProductID, Name: sp.Name, Description: sp.Description,
		PriceFen: sp.PriceFen, BillingUnit: sp.BillingUnit, Active: sp.Active,
		CreatedAt: sp.CreatedAt, UpdatedAt: sp.UpdatedAt}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("insert spec: %w", err)
	}
	sp.ID = r.ID
	return nil
}

// UpdateSpec implements catalog.Store.
func (s *Store) UpdateSpec(ctx context.Context, sid int64, ch catalog.SpecChange, at time.Time) error {
	set := map[string]any{"updated_at": at}
	if ch.Name != nil {
		set["name"] = *ch.Name
	}
	if ch.Description != nil {
		set["description"] = *ch.Description
	}
	if ch.PriceFen != nil {
		set["price_fen"] = *ch.PriceFen
	}
	if ch.BillingUnit != nil {
		set["billing_unit"] = *ch.BillingUnit
	}
	if ch.Active != nil {
		set["active"] = *ch.Active
	}
	return s.update(ctx, &SpecRow{}, sid, set, "update spec")
}

// RefreshMinPrice implements catalog.Store with one statement.
func (s *Store) RefreshMinPrice(ctx context.Context, productID int64) error {
	err := database.Conn(ctx, s.db).Exec("UPDATE products SET min_price_fen = "+
		"(SELECT MIN(price_fen) FROM specs WHERE specs.product_id = ? AND specs.active = ?) "+
		"WHERE id = ?", productID, true, productID).Error
	if err != nil {
		return fmt.Errorf("refresh lowest price: %w", err)
	}
	return nil
}

// attachmentView is an attachment with its file.
type attachmentView struct {
	AttachmentRow
	File filesdb.Row `gorm:"embedded;embeddedPrefix:file_"`
}

const attachmentColumns = "product_attachments.*, files.id AS file_id, " +
	"files.storage_key AS file_storage_key, files.original_name AS file_original_name, " +
	"files.content_type AS file_content_type, files.size_bytes AS file_size_bytes, " +
	"files.sha256 AS file_sha256, files.uploaded_by AS file_uploaded_by, " +
	"files.created_at AS file_created_at"

func (v attachmentView) domain() catalog.Attachment {
	f := v.File
	return catalog.Attachment{ID: v.ID, ProductID: v.ProductID, CreatedAt: v.CreatedAt,
		File: files.File{ID: v.FileID, Key: f.StorageKey, Name: f.OriginalName,
			ContentType: f.ContentType, Size: f.SizeBytes, SHA256: f.SHA256,
			UploadedBy: f.UploadedBy, CreatedAt: f.CreatedAt}}
}

func (s *Store) attachments(ctx context.Context) *gorm.DB {
	return database.Reads(ctx, s.db).Table("product_attachments").Select(attachmentColumns).
		Joins("JOIN files ON files.id = product_attachments.file_id")
}

// Attachments implements catalog.Store in one statement.
func (s *Store) Attachments(ctx context.Context, productID int64) ([]catalog.Attachment, error) {
	var views []attachmentView
	err := s.attachments(ctx).Where("product_attachments.product_id = ?", productID).
		Order("product_attachments.id").Find(&views).Error
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	out := make([]catalog.Attachment, len(views))
	for i, v := range views {
		out[i] = v.domain()
	}
	return out, nil
}

// Attachment implements catalog.Store.
func (s *Store) Attachment(ctx context.Context, aid int64) (catalog.Attachment, error) {
	var v attachmentView
	err := s.attachments(ctx).Where("product_attachments.id = ?", aid).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return catalog.Attachment{}, problem.NotFound()
	}
	if err != nil {
		return catalog.Attachment{}, fmt.Errorf("find attachment: %w", err)
	}
	return v.domain(), nil
}

// CreateAttachment implements catalog.Store.
func (s *Store) CreateAttachment(ctx context.Context, a *catalog.Attachment) error {
	r := AttachmentRow{ProductID: a.ProductID, FileID: a.File.ID, CreatedAt: a.CreatedAt}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("insert attachment: %w", err)
	}
	a.ID = r.ID
	return nil
}

// DeleteAttachment implements catalog.Store.
func (s *Store) DeleteAttachment(ctx context.Context, aid int64) error {
	err := database.Conn(ctx, s.db).Where("id = ?", aid).Delete(&AttachmentRow{}).Error
	if err != nil {
		return fmt.Errorf("delete attachment: %w", err)
	}
	return nil
}

// providerView is a provider's account joined with its profile.
type providerView struct {
	ID             int64
	CompanyName    string
	ContactName    string
	Email          string
	RegionCode     *string
	ProviderStatus *string
	Status         string
	Description    *string
	Website        *string
	LogoFileID     *int64
	StatusReason   *string
}

// Provider implements catalog.Store; accounts that are not providers are
// not_found.
func (s *Store) Provider(ctx context.Context, uid int64) (catalog.Provider, error) {
	var v providerView
	err := database.Conn(ctx, s.db).Table("users").
		Select("users.id, users.company_name, users.contact_name, users.email, "+
			"users.region_code, users.provider_status, users.status, providers.description, "+
			"providers.website, providers.logo_file_id, providers.status_reason").
		Joins("LEFT JOIN providers ON providers.user_id = users.id").
		Where("users.id = ? AND users.role = ?", uid, "provider").Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return catalog.Provider{}, problem.NotFound()
	}
	if err != nil {
		return catalog.Provider{}, fmt.Errorf("find provider: %w", err)
	}
	return catalog.Provider{ID: v.ID, Name: v.CompanyName, ContactName: v.ContactName,
		Email: v.Email, RegionCode: text(v.RegionCode), Approval: text(v.ProviderStatus),
		Active: v.Status == "active", Description: text(v.Description),
		Website: text(v.Website), LogoFileID: id(v.LogoFileID),
		StatusReason: text(v.StatusReason)}, nil
}

// saveProfile writes the provider's profile row, creating it when absent.
func (s *Store) saveProfile(ctx context.Context, uid int64, set map[string]any, at time.Time) error {
	set["updated_at"] = at
	row := ProviderRow{UserID: uid, UpdatedAt: at}
	cols := make([]string, 0, len(set))
	for k, v := range set {
		cols = append(cols, k)
		switch k {
		case "description":
			row.Description = v.(string)
		case "website":
			row.Website = v.(string)
		case "logo_file_id":
			n := v.(int64)
			row.LogoFileID = &n
		case "status_reason":
			r, _ := v.(*string)
			row.StatusReason = r
		}
	}
	err := database.Conn(ctx, s.db).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns(cols),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("save provider profile: %w", err)
	}
	return nil
}

// SaveProviderProfile implements catalog.Store.
func (s *Store) SaveProviderProfile(ctx context.Context, uid int64, description, website string,
	at time.Time) error {
	return s.saveProfile(ctx, uid, map[string]any{"description": description, "website": website}, at)
}

// SetProviderLogo implements catalog.Store.
func (s *Store) SetProviderLogo(ctx context.Context, uid, fileID int64, at time.Time) error {
	return s.saveProfile(ctx, uid, map[string]any{"logo_file_id": fileID}, at)
}

// DecideProvider implements catalog.Store with a conditional update.
func (s *Store) DecideProvider(ctx context.Context, uid int64, approval, reason string,
	at time.Time) (bool, error) {
	res := database.Conn(ctx, s.db).Table("users").
		Where("id = ? AND role = ? AND provider_status <> ?", uid, "provider", approval).
		Updates(map[string]any{"provider_status": approval, "updated_at": at})
	if res.Error != nil {
		return false, fmt.Errorf("decide provider: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	var why *string
	if reason != "" {
		why = &reason
	}
	return true, s.saveProfile(ctx, uid, map[string]any{"status_reason": why}, at)
}
