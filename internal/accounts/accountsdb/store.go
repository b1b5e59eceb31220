// Package accountsdb stores users and refresh tokens with GORM.
package accountsdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/database"
	"shangyun/internal/problem"
)

// UserRow is a user as stored.
type UserRow struct {
	ID             int64     `gorm:"primaryKey"`
	Username       string    `gorm:"size:32;not null"`
	UsernameKey    string    `gorm:"size:32;not null"`
	Role           string    `gorm:"size:16;not null"`
	Status         string    `gorm:"size:16;not null"`
	Email          string    `gorm:"size:254;not null"`
	Phone          *string   `gorm:"size:11"`
	CompanyName    string    `gorm:"size:100;not null"`
	ContactName    string    `gorm:"size:50;not null"`
	RegionCode     *string   `gorm:"size:6"`
	ProviderStatus *string   `gorm:"size:16"`
	PasswordHash   string    `gorm:"size:255;not null"`
	SessionVersion int64     `gorm:"not null"`
	CreditCode     *string   `gorm:"size:18"`
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
}

// TableName names the table.
func (UserRow) TableName() string { return "users" }

// RefreshRow is a refresh token as stored.
type RefreshRow struct {
	ID        int64     `gorm:"primaryKey"`
	UserID    int64     `gorm:"not null"`
	Family    string    `gorm:"size:32;not null"`
	TokenHash string    `gorm:"size:64;not null"`
	ExpiresAt time.Time `gorm:"not null"`
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time `gorm:"not null"`
}

// TableName names the table.
func (RefreshRow) TableName() string { return "refresh_tokens" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&UserRow{}, &RefreshRow{}} }

// Store is the GORM implementation of accounts.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func toRow(u accounts.User) UserRow {
	return UserRow{
		ID: u.ID, Username: u.Username, UsernameKey: strings.ToLower(u.Username),
		Role: string(u.Role), Status: u.Status, Email: u.Email, Phone: optional(u.Phone),
		CompanyName: u.CompanyName, ContactName: u.ContactName,
		RegionCode: optional(u.RegionCode), ProviderStatus: optional(u.ProviderStatus),
		CreditCode:   optional(u.CreditCode),
		PasswordHash: u.PasswordHash, SessionVersion: u.SessionVersion,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// ToUser converts a stored row to the domain type.
func ToUser(r UserRow) accounts.User {
	return accounts.User{
		ID: r.ID, Username: r.Username, Role: auth.Role(r.Role), Status: r.Status,
		Email: r.Email, Phone: deref(r.Phone), CompanyName: r.CompanyName,
		ContactName: r.ContactName, RegionCode: deref(r.RegionCode),
		ProviderStatus: deref(r.ProviderStatus), PasswordHash: r.PasswordHash,
		CreditCode:     deref(r.CreditCode),
		SessionVersion: r.SessionVersion, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// taken translates a unique-key violation on users into the problem that
// names the field.
func taken(err error) error {
	key, ok := database.UniqueViolation(err)
	if !ok {
		return err
	}
	switch {
	case strings.Contains(key, "username"):
		return problem.New(problem.CodeUsernameTaken, problem.Text{
			ZH: "该用户名已被注册。", EN: "This username is taken."})
	case strings.Contains(key, "email"):
		return problem.New(problem.CodeEmailTaken, problem.Text{
			ZH: "该邮箱已被注册。", EN: "This email is taken."})
	case strings.Contains(key, "credit_code"):
		return problem.New(problem.CodeCreditCodeTaken, problem.Text{
			ZH: "该统一社会信用代码已被其他企业认证。",
			EN: "Another enterprise is certified with this credit code."})
	case strings.Contains(key, "phone"):
		return problem.New(problem.CodePhoneTaken, problem.Text{
			ZH: "该手机号已被注册。", EN: "This phone number is taken."})
	}
	return err
}

// CreateUser implements accounts.Store.
func (s *Store) CreateUser(ctx context.Context, u *accounts.User) error {
	if u.SessionVersion == 0 {
		u.SessionVersion = 1
	}
	row := toRow(*u)
	if err := database.Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("insert user: %w", taken(err))
	}
	u.ID = row.ID
	return nil
}

// UserByID implements accounts.Store.
func (s *Store) UserByID(ctx context.Context, id int64) (accounts.User, error) {
	return s.first(ctx, "id = ?", id)
}

// Session implements accounts.Store in one narrow statement: it runs for
// every signed-in request.
func (s *Store) Session(ctx context.Context, id int64) (accounts.User, error) {
	var u accounts.User
	var region *string
	err := database.Reads(ctx, s.db).Raw("SELECT id, role, status, session_version, region_code "+
		"FROM users WHERE id = ?", id).Row().Scan(&u.ID, &u.Role, &u.Status, &u.SessionVersion, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return accounts.User{}, problem.NotFound()
	}
	if err != nil {
		return accounts.User{}, fmt.Errorf("read session: %w", err)
	}
	if region != nil {
		u.RegionCode = *region
	}
	return u, nil
}

// UserByLogin implements accounts.Store.
func (s *Store) UserByLogin(ctx context.Context, login string) (accounts.User, error) {
	switch {
	case strings.Contains(login, "@"):
		return s.first(ctx, "email = ?", strings.ToLower(login))
	case login != "" && strings.Trim(login, "0123456789") == "":
		return s.first(ctx, "phone = ?", login)
	}
	return s.first(ctx, "username_key = ?", strings.ToLower(login))
}

// Lock implements accounts.Store.
func (s *Store) Lock(ctx context.Context, id int64) (accounts.User, error) {
	return s.find(database.Conn(ctx, s.db).Clauses(clause.Locking{Strength: "UPDATE"}),
		"id = ?", id)
}

func (s *Store) first(ctx context.Context, where string, arg any) (accounts.User, error) {
	return s.find(database.Conn(ctx, s.db), where, arg)
}

func (s *Store) find(db *gorm.DB, where string, arg any) (accounts.User, error) {
	var row UserRow
	err := db.Where(where, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return accounts.User{}, problem.NotFound()
	}
	if err != nil {
		return accounts.User{}, fmt.Errorf("find user: %w", err)
	}
	return ToUser(row), nil
}

// UpdateProfile implements accounts.Store.
func (s *Store) UpdateProfile(ctx context.Context, id int64,
	ch accounts.ProfileChange) (accounts.User, error) {
	set := map[string]any{"updated_at": time.Now().UTC()}
	if ch.CompanyName != nil {
		set["company_name"] = strings.TrimSpace(*ch.CompanyName)
	}
	if ch.ContactName != nil {
		set["contact_name"] = strings.TrimSpace(*ch.ContactName)
	}
	if ch.Email != nil {
		set["email"] = *ch.Email
	}
	if ch.Phone != nil {
		set["phone"] = *ch.Phone
	}
	if ch.RegionCode != nil {
		set["region_code"] = *ch.RegionCode
	}
	err := database.Conn(ctx, s.db).Model(&UserRow{}).Where("id = ?", id).Updates(set).Error
	if err != nil {
		return accounts.User{}, fmt.Errorf("update profile: %w", taken(err))
	}
	return s.UserByID(ctx, id)
}

// SetPassword implements accounts.Store.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, now time.Time) error {
	return database.Conn(ctx, s.db).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&UserRow{}).Where("id = ?", id).Updates(map[string]any{
			"password_hash":   hash,
			"session_version": gorm.Expr("session_version + 1"),
			"updated_at":      now,
		}).Error
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		err = tx.Model(&RefreshRow{}).Where("user_id = ? AND revoked_at IS NULL", id).
			Update("revoked_at", now).Error
		if err != nil {
			return fmt.Errorf("revoke refresh tokens: %w", err)
		}
		return nil
	})
}

// SetCertified implements accounts.Store.
func (s *Store) SetCertified(ctx context.Context, id int64, company, code string) error {
	err := database.Conn(ctx, s.db).Model(&UserRow{}).Where("id = ?", id).Updates(map[string]any{
		"company_name": company, "credit_code": code, "updated_at": time.Now().UTC(),
	}).Error
	if err != nil {
		return fmt.Errorf("record certification in profile: %w", taken(err))
	}
	return nil
}

// SetStatus implements accounts.Store.
func (s *Store) SetStatus(ctx context.Context, id int64, status string, at time.Time) error {
	db := database.Conn(ctx, s.db)
	set := map[string]any{"status": status, "updated_at": at}
	if status == accounts.StatusDisabled {
		// As on a password change, the access tokens issued before end for
		// good: enabling the account again does not bring them back.
		set["session_version"] = gorm.Expr("session_version + 1")
	}
	res := db.Model(&UserRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("set account status: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return problem.NotFound()
	}
	if status != accounts.StatusDisabled {
		return nil
	}
	err := db.Model(&RefreshRow{}).Where("user_id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", at).Error
	if err != nil {
		return fmt.Errorf("revoke refresh tokens: %w", err)
	}
	return nil
}

// List implements accounts.Store.
func (s *Store) List(ctx context.Context, f accounts.UserFilter) ([]accounts.User, int64, error) {
	q := database.Conn(ctx, s.db).Model(&UserRow{})
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ProviderStatus != "" {
		q = q.Where("provider_status = ?", f.ProviderStatus)
	}
	if f.Regions != nil {
		q = q.Where("region_code IN ?", f.Regions)
	}
	if f.Q != "" {
		like := database.Contains(strings.ToLower(f.Q))
		q = q.Where("(username_key LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!' OR "+
			"phone LIKE ? ESCAPE '!' OR company_name LIKE ? ESCAPE '!')",
			like, like, like, database.Contains(f.Q))
	}
	q = q.Session(&gorm.Session{}) // reused by the count and the page
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	var rows []UserRow
	err := q.Order("id DESC").Offset(f.Page.Offset()).Limit(f.Page.PageSize).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	out := make([]accounts.User, len(rows))
	for i, r := range rows {
		out[i] = ToUser(r)
	}
	return out, total, nil
}

// CreateRefreshToken implements accounts.Store.
func (s *Store) CreateRefreshToken(ctx context.Context, t accounts.RefreshToken) error {
	row := RefreshRow{UserID: t.UserID, Family: t.Family, TokenHash: t.Hash,
		ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt}
	if err := database.Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// UseRefreshToken implements accounts.Store. The conditional update makes
// two concurrent uses of one token see exactly one success.
func (s *Store) UseRefreshToken(ctx context.Context, hash string,
	now time.Time) (accounts.RefreshToken, error) {
	db := database.Conn(ctx, s.db)
	var row RefreshRow
	err := db.Where("token_hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return accounts.RefreshToken{}, problem.NotFound()
	}
	if err != nil {
		return accounts.RefreshToken{}, fmt.Errorf("find refresh token: %w", err)
	}

	t := accounts.RefreshToken{ID: row.ID, UserID: row.UserID, Family: row.Family,
		Hash: row.TokenHash, ExpiresAt: row.ExpiresAt, UsedAt: row.UsedAt,
		RevokedAt: row.RevokedAt, CreatedAt: row.CreatedAt}
	res := db.Model(&RefreshRow{}).
		Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", row.ID).
		Update("used_at", now)
	if res.Error != nil {
		return t, fmt.Errorf("use refresh token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return t, accounts.ErrTokenReused
	}
	return t, nil
}

// RevokeFamily implements accounts.Store.
func (s *Store) RevokeFamily(ctx context.Context, family string, now time.Time) error {
	err := database.Conn(ctx, s.db).Model(&RefreshRow{}).
		Where("family = ? AND revoked_at IS NULL", family).Update("revoked_at", now).Error
	if err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}
