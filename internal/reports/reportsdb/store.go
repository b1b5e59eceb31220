// Package reportsdb aggregates the report figures with SQL.
package reportsdb

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/reports"
)

// Store is the GORM implementation of reports.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

// scope narrows q to counties (by the column region) and to the period
// (by the column at). The ends are passed in UTC, as every time is
// stored: SQLite compares times as text, so an end in another zone
// (from=2027-01-01 reads as 2027-01-01 00:00+08:00) would misplace the
// hours its offset spans.
func scope(q *gorm.DB, region, at string, counties []string, p reports.Period) *gorm.DB {
	if counties != nil {
		q = q.Where(region+" IN ?", counties)
	}
	if !p.From.IsZero() {
		q = q.Where(at+" >= ?", p.From.UTC())
	}
	if !p.To.IsZero() {
		q = q.Where(at+" < ?", p.To.UTC())
	}
	return q
}

// CertificationCounts implements reports.Store.
func (s *Store) CertificationCounts(ctx context.Context, counties []string, p reports.Period) ([]reports.Count, error) {
	var out []reports.Count
	q := scope(database.Conn(ctx, s.db).Table("certifications"), "region_code", "created_at", counties, p)
	err := q.Select("region_code AS county, status AS `key`, COUNT(*) AS value").
		Group("region_code, status").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("certification counts: %w", err)
	}
	return out, nil
}

// BenefitSums implements reports.Store.
func (s *Store) BenefitSums(ctx context.Context, counties []string, p reports.Period,
	policyID int64) ([]reports.Count, error) {
	q := scope(database.Conn(ctx, s.db).Table("benefits").
		Joins("JOIN users ON users.id = benefits.enterprise_id").
		Where("benefits.status = ?", "claimed"), "users.region_code", "benefits.created_at", counties, p)
	if policyID != 0 {
		q = q.Where("benefits.policy_id = ?", policyID)
	}
	var rows []struct {
		County                            string
		Claimed, Quota, Reserved, UsedFen int64
	}
	err := q.Select("users.region_code AS county, COUNT(*) AS claimed, " +
		"SUM(benefits.quota_fen) AS quota, SUM(benefits.reserved_fen) AS reserved, " +
		"SUM(benefits.used_fen) AS used_fen").Group("users.region_code").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("benefit sums: %w", err)
	}
	var out []reports.Count
	for _, r := range rows {
		out = append(out, reports.Count{County: r.County, Key: "claimed", Value: r.Claimed},
			reports.Count{County: r.County, Key: "quota_fen", Value: r.Quota},
			reports.Count{County: r.County, Key: "reserved_fen", Value: r.Reserved},
			reports.Count{County: r.County, Key: "used_fen", Value: r.UsedFen})
	}
	return out, nil
}

// OrderSums implements reports.Store.
func (s *Store) OrderSums(ctx context.Context, counties []string, p reports.Period,
	policyID int64) ([]reports.Count, error) {
	q := scope(database.Conn(ctx, s.db).Table("orders").
		Joins("JOIN users ON users.id = orders.enterprise_id"),
		"users.region_code", "orders.created_at", counties, p)
	if policyID != 0 {
		q = q.Where("orders.policy_id = ?", policyID)
	}
	var rows []struct {
		County, Status                      string
		Orders, Subtotal, Discount, Payable int64
	}
	err := q.Select("users.region_code AS county, orders.status AS status, COUNT(*) AS orders, " +
		"SUM(orders.subtotal_fen) AS subtotal, SUM(orders.discount_fen) AS discount, " +
		"SUM(orders.payable_fen) AS payable").Group("users.region_code, orders.status").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("order sums: %w", err)
	}
	var out []reports.Count
	for _, r := range rows {
		out = append(out, reports.Count{County: r.County, Key: r.Status, Value: r.Orders},
			reports.Count{County: r.County, Key: "subtotal_fen", Value: r.Subtotal},
			reports.Count{County: r.County, Key: "discount_fen", Value: r.Discount},
			reports.Count{County: r.County, Key: "payable_fen", Value: r.Payable})
	}
	return out, nil
}

// EnterpriseCreations implements reports.Store.
func (s *Store) EnterpriseCreations(ctx context.Context, counties []string,
	p reports.Period) ([]reports.Creation, error) {
	var rows []struct {
		RegionCode string
		CreatedAt  time.Time
	}
	q := scope(database.Conn(ctx, s.db).Table("users").Where("role = ?", "enterprise"),
		"region_code", "created_at", counties, p)
	if err := q.Select("region_code, created_at").Order("id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("enterprise creations: %w", err)
	}
	out := make([]reports.Creation, len(rows))
	for i, r := range rows {
		out[i] = reports.Creation{County: r.RegionCode, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
