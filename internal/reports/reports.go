// Package reports owns the oversight reports of the programme: per city
// and county, certifications by status, benefits claimed and their money,
// orders by status with amounts, and new enterprises per month. Admins
// read the province; reviewers their own region only.
package reports

import (
	"context"
	"sort"
	"time"

	"shangyun/internal/auth"
	"shangyun/internal/problem"
	"shangyun/internal/regions"
)

// Names of the reports.
const (
	Certifications = "certifications"
	Benefits       = "benefits"
	Orders         = "orders"
	Enterprises    = "enterprises"
)

// Column is one column of a report.
type Column struct {
	Key   string
	Title string
}

// Report is a table: named columns and rows of values by column key.
// Rows come per county, ordered by city then county; Totals sums every
// numeric column.
type Report struct {
	Name     string
	Timezone string
	From, To time.Time
	PolicyID int64
	Columns  []Column
	Rows     []map[string]any
	Totals   map[string]int64
}

// Period is a half-open span of time [From, To); zero ends are open.
type Period struct {
	From, To time.Time
}

// Count is a number of things in a county under a key.
type Count struct {
	County string
	Key    string
	Value  int64
}

// Store aggregates by county. Each method returns rows of (county, key,
// value) restricted to the counties given (nil: all) and to the period.
type Store interface {
	// CertificationCounts counts certifications by status (keys are the
	// statuses).
	CertificationCounts(ctx context.Context, counties []string, p Period) ([]Count, error)
	// BenefitSums gives claimed (count), quota_fen, reserved_fen and
	// used_fen of claimed benefits, of one policy when policyID is set.
	BenefitSums(ctx context.Context, counties []string, p Period, policyID int64) ([]Count, error)
	// OrderSums counts orders by status (keys are the statuses) and sums
	// subtotal_fen, discount_fen and payable_fen.
	OrderSums(ctx context.Context, counties []string, p Period, policyID int64) ([]Count, error)
	// EnterpriseCreations returns the county and creation time of each
	// enterprise account created in the period.
	EnterpriseCreations(ctx context.Context, counties []string, p Period) ([]Creation, error)
}

// Creation is when an enterprise account was made, and where it is.
type Creation struct {
	County    string
	CreatedAt time.Time
}

// Service builds reports.
type Service struct {
	Store   Store
	Regions *regions.Directory
	Loc     *time.Location
}

// columns of each report, after the region columns.
var columns = map[string][]Column{
	Certifications: {{"pending", "待审核"}, {"approved", "已通过"}, {"rejected", "未通过"},
		{"invalidated", "已失效"}},
	Benefits: {{"claimed", "领取企业数"}, {"quota_fen", "领取额度（分）"}, {"reserved_fen", "预占金额（分）"},
		{"used_fen", "已使用金额（分）"}},
	Orders: {{"submitted", "已提交"}, {"contract_pending", "待确认合同"}, {"contract_rejected", "合同被拒"},
		{"in_progress", "施工中"}, {"completion_reported", "已竣工"}, {"completed", "已完成"},
		{"cancelled", "已取消"}, {"subtotal_fen", "订单金额（分）"}, {"discount_fen", "优惠金额（分）"},
		{"payable_fen", "应付金额（分）"}},
	Enterprises: {{"month", "月份"}, {"new_enterprises", "新增企业数"}},
}

// regionColumns lead every report.
var regionColumns = []Column{{"city_code", "地市代码"}, {"city_name", "地市"},
	{"county_code", "区县代码"}, {"county_name", "区县"}}

// Build makes report name for the caller: admins see the whole province,
// reviewers their region's counties. Unknown names are not_found.
func (s *Service) Build(ctx context.Context, p auth.Principal, name string, period Period,
	policyID int64) (Report, error) {
	cols, ok := columns[name]
	if !ok {
		return Report{}, problem.NotFound()
	}
	var counties []string
	if p.Role == auth.RoleReviewer {
		counties = s.counties(p.RegionCode)
	}
	r := Report{Name: name, Timezone: s.Loc.String(), From: period.From, To: period.To,
		PolicyID: policyID, Columns: append(append([]Column{}, regionColumns...), cols...),
		Totals: map[string]int64{}}

	var counts []Count
	var err error
	switch name {
	case Certifications:
		counts, err = s.Store.CertificationCounts(ctx, counties, period)
	case Benefits:
		counts, err = s.Store.BenefitSums(ctx, counties, period, policyID)
	case Orders:
		counts, err = s.Store.OrderSums(ctx, counties, period, policyID)
	case Enterprises:
		return s.enterprises(ctx, r, counties, period)
	}
	if err != nil {
		return Report{}, err
	}
	r.Rows = s.rows(counts, cols, r.Totals)
	return r, nil
}

// counties lists the county-level codes at or below a region.
func (s *Service) counties(region string) []string {
	out := []string{}
	for _, code := range s.Regions.Subtree(region) {
		if s.Regions.IsCounty(code) {
			out = append(out, code)
		}
	}
	return out
}

// rows turns counts into one row per county that has any, every numeric
// column present, in region order.
func (s *Service) rows(counts []Count, cols []Column, totals map[string]int64) []map[string]any {
	byCounty := map[string]map[string]any{}
	for _, c := range counts {
		row, ok := byCounty[c.County]
		if !ok {
			row = s.regionRow(c.County)
			for _, col := range cols {
				row[col.Key] = int64(0)
			}
			byCounty[c.County] = row
		}
		row[c.Key] = row[c.Key].(int64) + c.Value
		totals[c.Key] += c.Value
	}
	for _, col := range cols {
		if _, ok := totals[col.Key]; !ok {
			totals[col.Key] = 0
		}
	}
	return sorted(byCounty)
}

func (s *Service) regionRow(county string) map[string]any {
	row := map[string]any{"county_code": county, "county_name": "", "city_code": "", "city_name": ""}
	if c, ok := s.Regions.Get(county); ok {
		row["county_name"] = c.Name
		row["city_code"] = c.ParentCode
		if city, ok := s.Regions.Get(c.ParentCode); ok {
			row["city_name"] = city.Name
		}
	}
	return row
}

func sorted(byKey map[string]map[string]any) []map[string]any {
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, byKey[k])
	}
	return out
}

// enterprises counts new enterprise accounts per county and month, the
// month read in the platform's time zone.
func (s *Service) enterprises(ctx context.Context, r Report, counties []string, period Period) (Report, error) {
	made, err := s.Store.EnterpriseCreations(ctx, counties, period)
	if err != nil {
		return Report{}, err
	}
	byKey := map[string]map[string]any{}
	for _, m := range made {
		month := m.CreatedAt.In(s.Loc).Format("2006-01")
		key := m.County + "|" + month
		row, ok := byKey[key]
		if !ok {
			row = s.regionRow(m.County)
			row["month"], row["new_enterprises"] = month, int64(0)
			byKey[key] = row
		}
		row["new_enterprises"] = row["new_enterprises"].(int64) + 1
		r.Totals["new_enterprises"]++
	}
	if _, ok := r.Totals["new_enterprises"]; !ok {
		r.Totals["new_enterprises"] = 0
	}
	r.Rows = sorted(byKey)
	return r, nil
}
