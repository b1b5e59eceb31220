// Package regionsdb stores regions with GORM.
package regionsdb

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shangyun/internal/regions"
)

// Row is a region as stored.
type Row struct {
	Code       string  `gorm:"primaryKey;size:6"`
	ParentCode *string `gorm:"size:6"`
	Level      string  `gorm:"size:8;not null"`
	Name       string  `gorm:"size:64;not null"`
}

// TableName names the table.
func (Row) TableName() string { return "regions" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&Row{}} }

// Store is the GORM implementation of regions.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

// All implements regions.Store.
func (s *Store) All(ctx context.Context) ([]regions.Region, error) {
	var rows []Row
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	out := make([]regions.Region, len(rows))
	for i, r := range rows {
		out[i] = regions.Region{Code: r.Code, Level: r.Level, Name: r.Name}
		if r.ParentCode != nil {
			out[i].ParentCode = *r.ParentCode
		}
	}
	return out, nil
}

// Upsert implements regions.Store.
func (s *Store) Upsert(ctx context.Context, rs []regions.Region) error {
	rows := make([]Row, len(rs))
	for i, r := range rs {
		rows[i] = Row{Code: r.Code, Level: r.Level, Name: r.Name}
		if r.ParentCode != "" {
			parent := r.ParentCode
			rows[i].ParentCode = &parent
		}
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns([]string{"parent_code", "level", "name"}),
	}).CreateInBatches(rows, 200).Error
	if err != nil {
		return fmt.Errorf("upsert regions: %w", err)
	}
	return nil
}
