// Package certificationdb stores certifications with GORM.
package certificationdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/certification"
	"shangyun/internal/database"
	"shangyun/internal/problem"
)

// Row is a certification as stored.
type Row struct {
	ID                    int64      `gorm:"primaryKey"`
	EnterpriseID          int64      `gorm:"not null"`
	RegionCode            string     `gorm:"size:6;not null"`
	CompanyName           string     `gorm:"size:100;not null"`
	CreditCode            string     `gorm:"size:18;not null"`
	LegalRepresentative   string     `gorm:"size:50;not null"`
	LegalRepresentativeID string     `gorm:"column:legal_representative_id;size:18;not null"`
	BusinessLicenseFileID int64      `gorm:"not null"`
	IDCardFrontFileID     int64      `gorm:"column:id_card_front_file_id;not null"`
	IDCardBackFileID      int64      `gorm:"column:id_card_back_file_id;not null"`
	Status                string     `gorm:"size:16;not null"`
	Reason                *string    `gorm:"size:500"`
	DecidedBy             *int64     `gorm:""`
	DecidedAt             *time.Time `gorm:""`
	CreatedAt             time.Time  `gorm:"not null"`
	UpdatedAt             time.Time  `gorm:"not null"`
}

// TableName names the table.
func (Row) TableName() string { return "certifications" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&Row{}} }

// joined is a row with its enterprise's account, read in one statement.
type joined struct {
	Row
	Username       string
	UserCompany    string
	ContactName    string
	Email          string
	Phone          *string
	UserRegionCode *string
}

const selectJoined = "certifications.*, users.username, users.company_name AS user_company, " +
	"users.contact_name, users.email, users.phone, users.region_code AS user_region_code"

// Store is the GORM implementation of certification.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

func (s *Store) joined(ctx context.Context) *gorm.DB {
	return database.Conn(ctx, s.db).Table("certifications").Select(selectJoined).
		Joins("JOIN users ON users.id = certifications.enterprise_id")
}

func toDomain(j joined) certification.Certification {
	r := j.Row
	c := certification.Certification{
		ID: r.ID, EnterpriseID: r.EnterpriseID, RegionCode: r.RegionCode,
		CompanyName: r.CompanyName, CreditCode: r.CreditCode,
		LegalRepresentative: r.LegalRepresentative, LegalRepID: r.LegalRepresentativeID,
		Files: map[string]int64{
			certification.BusinessLicense: r.BusinessLicenseFileID,
			certification.IDCardFront:     r.IDCardFrontFileID,
			certification.IDCardBack:      r.IDCardBackFileID,
		},
		Status: r.Status, DecidedAt: r.DecidedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Enterprise: certification.Enterprise{ID: r.EnterpriseID, Username: j.Username,
			CompanyName: j.UserCompany, ContactName: j.ContactName, Email: j.Email},
	}
	if r.Reason != nil {
		c.Reason = *r.Reason
	}
	if r.DecidedBy != nil {
		c.DecidedBy = *r.DecidedBy
	}
	if j.Phone != nil {
		c.Enterprise.Phone = *j.Phone
	}
	if j.UserRegionCode != nil {
		c.Enterprise.RegionCode = *j.UserRegionCode
	}
	return c
}

// Create implements certification.Store.
func (s *Store) Create(ctx context.Context, c *certification.Certification) error {
	row := Row{EnterpriseID: c.EnterpriseID, RegionCode: c.RegionCode,
		CompanyName: c.CompanyName, CreditCode: c.CreditCode,
		LegalRepresentative: c.LegalRepresentative, LegalRepresentativeID: c.LegalRepID,
		BusinessLicenseFileID: c.Files[certification.BusinessLicense],
		IDCardFrontFileID:     c.Files[certification.IDCardFront],
		IDCardBackFileID:      c.Files[certification.IDCardBack],
		Status:                c.Status, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if err := database.Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("insert certification: %w", err)
	}
	c.ID = row.ID
	return nil
}

// Get implements certification.Store.
func (s *Store) Get(ctx context.Context, id int64) (certification.Certification, error) {
	var j joined
	err := s.joined(ctx).Where("certifications.id = ?", id).Take(&j).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return certification.Certification{}, problem.NotFound()
	}
	if err != nil {
		return certification.Certification{}, fmt.Errorf("find certification: %w", err)
	}
	return toDomain(j), nil
}

// Latest implements certification.Store.
func (s *Store) Latest(ctx context.Context, enterpriseID int64) (certification.Certification, bool, error) {
	var j joined
	err := s.joined(ctx).Where("certifications.enterprise_id = ?", enterpriseID).
		Order("certifications.id DESC").Take(&j).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return certification.Certification{}, false, nil
	}
	if err != nil {
		return certification.Certification{}, false, fmt.Errorf("latest certification: %w", err)
	}
	return toDomain(j), true, nil
}

// List implements certification.Store: two statements, a count and a page.
func (s *Store) List(ctx context.Context, f certification.Filter) ([]certification.Certification, int64, error) {
	q := database.Conn(ctx, s.db).Table("certifications")
	if f.EnterpriseID != 0 {
		q = q.Where("certifications.enterprise_id = ?", f.EnterpriseID)
	}
	if f.Status != "" {
		q = q.Where("certifications.status = ?", f.Status)
	}
	if f.Regions != nil {
		q = q.Where("certifications.region_code IN ?", f.Regions)
	}
	q = q.Session(&gorm.Session{}) // reused by the count and the page
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count certifications: %w", err)
	}

	var rows []joined
	err := q.Select(selectJoined).Joins("JOIN users ON users.id = certifications.enterprise_id").
		Order("certifications.id DESC").Offset(f.Page.Offset()).Limit(f.Page.PageSize).
		Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list certifications: %w", err)
	}
	out := make([]certification.Certification, len(rows))
	for i, j := range rows {
		out[i] = toDomain(j)
	}
	return out, total, nil
}

// Decide implements certification.Store with a conditional update, so
// that of two decisions only one finds the certification pending.
func (s *Store) Decide(ctx context.Context, id int64, status, reason string, by int64,
	at time.Time) error {
	set := map[string]any{"status": status, "decided_by": by, "decided_at": at, "updated_at": at}
	if reason != "" {
		set["reason"] = reason
	}
	res := database.Conn(ctx, s.db).Model(&Row{}).
		Where("id = ? AND status = ?", id, certification.StatusPending).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("decide certification: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return certification.ErrNotPending
	}
	return nil
}

// Invalidate implements certification.Store.
func (s *Store) Invalidate(ctx context.Context, enterpriseID int64, at time.Time) (bool, error) {
	res := database.Conn(ctx, s.db).Model(&Row{}).
		Where("enterprise_id = ? AND status = ?", enterpriseID, certification.StatusPending).
		Updates(map[string]any{"status": certification.StatusInvalidated, "updated_at": at})
	if res.Error != nil {
		return false, fmt.Errorf("invalidate certification: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// CreditCodeApproved implements certification.Store.
func (s *Store) CreditCodeApproved(ctx context.Context, code string, except int64) (bool, error) {
	var n int64
	err := database.Conn(ctx, s.db).Model(&Row{}).
		Where("credit_code = ? AND status = ? AND enterprise_id <> ?",
			code, certification.StatusApproved, except).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("find credit code: %w", err)
	}
	return n > 0, nil
}
