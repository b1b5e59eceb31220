// Package filesdb records uploaded files with GORM.
package filesdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/files"
	"shangyun/internal/problem"
)

// Row is a stored file's record.
type Row struct {
	ID           int64     `gorm:"primaryKey"`
	StorageKey   string    `gorm:"size:64;not null"`
	OriginalName string    `gorm:"size:255;not null"`
	ContentType  string    `gorm:"size:100;not null"`
	SizeBytes    int64     `gorm:"not null"`
	SHA256       string    `gorm:"column:sha256;size:64;not null"`
	Width        *int      `gorm:""`
	Height       *int      `gorm:""`
	UploadedBy   int64     `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (Row) TableName() string { return "files" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&Row{}} }

// Store records files.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

func optionalInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// Create records f and sets its ID; it joins the transaction in ctx.
func (s *Store) Create(ctx context.Context, f *files.File) error {
	row := Row{StorageKey: f.Key, OriginalName: f.Name, ContentType: f.ContentType,
		SizeBytes: f.Size, SHA256: f.SHA256, Width: optionalInt(f.Width),
		Height: optionalInt(f.Height), UploadedBy: f.UploadedBy, CreatedAt: f.CreatedAt}
	if err := database.Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("record file: %w", err)
	}
	f.ID = row.ID
	return nil
}

// Get returns the file with id, or a not_found problem.
func (s *Store) Get(ctx context.Context, id int64) (files.File, error) {
	var r Row
	err := database.Conn(ctx, s.db).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return files.File{}, problem.NotFound()
	}
	if err != nil {
		return files.File{}, fmt.Errorf("find file: %w", err)
	}
	f := files.File{ID: r.ID, Key: r.StorageKey, Name: r.OriginalName,
		ContentType: r.ContentType, Size: r.SizeBytes, SHA256: r.SHA256,
		UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt}
	if r.Width != nil {
		f.Width = *r.Width
	}
	if r.Height != nil {
		f.Height = *r.Height
	}
	return f, nil
}
