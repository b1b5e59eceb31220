// Package benefitsdb stores policies, benefits and the ledger with GORM.
package benefitsdb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shangyun/internal/benefits"
	"shangyun/internal/database"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// PolicyRow is a policy as stored.
type PolicyRow struct {
	ID                    int64     `gorm:"primaryKey"`
	Name                  string    `gorm:"size:100;not null"`
	Description           string    `gorm:"type:text;not null"`
	DiscountRate          int       `gorm:"not null"`
	PerOrderCapFen        int64     `gorm:"not null"`
	PerEnterpriseQuotaFen int64     `gorm:"not null"`
	TotalBudgetFen        int64     `gorm:"not null"`
	BudgetClaimedFen      int64     `gorm:"not null"`
	Beneficiaries         int       `gorm:"not null"`
	ValidFrom             time.Time `gorm:"not null"`
	ValidUntil            time.Time `gorm:"not null"`
	Status                string    `gorm:"size:16;not null"`
	Version               int       `gorm:"not null"`
	CreatedAt             time.Time `gorm:"not null"`
	UpdatedAt             time.Time `gorm:"not null"`
}

// TableName names the table.
func (PolicyRow) TableName() string { return "policies" }

// PolicyCategoryRow links a policy to a covered category.
type PolicyCategoryRow struct {
	PolicyID   int64 `gorm:"primaryKey;autoIncrement:false"`
	CategoryID int64 `gorm:"primaryKey;autoIncrement:false"`
}

// TableName names the table.
func (PolicyCategoryRow) TableName() string { return "policy_categories" }

// PolicyRegionRow links a policy to a covered region.
type PolicyRegionRow struct {
	PolicyID   int64  `gorm:"primaryKey;autoIncrement:false"`
	RegionCode string `gorm:"primaryKey;size:6"`
}

// TableName names the table.
func (PolicyRegionRow) TableName() string { return "policy_regions" }

// BenefitRow is a benefit as stored.
type BenefitRow struct {
	ID           int64     `gorm:"primaryKey"`
	PolicyID     int64     `gorm:"not null"`
	EnterpriseID int64     `gorm:"not null"`
	Status       string    `gorm:"size:16;not null"`
	QuotaFen     int64     `gorm:"not null"`
	ReservedFen  int64     `gorm:"not null"`
	UsedFen      int64     `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (BenefitRow) TableName() string { return "benefits" }

// LedgerRow is a ledger entry as stored.
type LedgerRow struct {
	ID           int64     `gorm:"primaryKey"`
	PolicyID     int64     `gorm:"not null"`
	BenefitID    int64     `gorm:"not null"`
	EnterpriseID int64     `gorm:"not null"`
	OrderID      *int64    `gorm:""`
	Kind         string    `gorm:"size:16;not null"`
	AmountFen    int64     `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// TableName names the table.
func (LedgerRow) TableName() string { return "ledger_entries" }

// Models lists the rows this package stores, for schema checks.
func Models() []any {
	return []any{&PolicyRow{}, &PolicyCategoryRow{}, &PolicyRegionRow{}, &BenefitRow{}, &LedgerRow{}}
}

// Store is the GORM implementation of benefits.Store.
type Store struct{ db *gorm.DB }

// New returns a Store.
func New(db *gorm.DB) *Store { return &Store{db: db} }

func toRow(p benefits.Policy) PolicyRow {
	return PolicyRow{ID: p.ID, Name: p.Name, Description: p.Description,
		DiscountRate: p.DiscountRate, PerOrderCapFen: p.PerOrderCapFen,
		PerEnterpriseQuotaFen: p.PerEnterpriseQuotaFen, TotalBudgetFen: p.TotalBudgetFen,
		BudgetClaimedFen: p.BudgetClaimedFen, Beneficiaries: p.Beneficiaries,
		ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil, Status: p.Status,
		Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func toPolicy(r PolicyRow) benefits.Policy {
	return benefits.Policy{ID: r.ID, Name: r.Name, Description: r.Description,
		DiscountRate: r.DiscountRate, PerOrderCapFen: r.PerOrderCapFen,
		PerEnterpriseQuotaFen: r.PerEnterpriseQuotaFen, TotalBudgetFen: r.TotalBudgetFen,
		BudgetClaimedFen: r.BudgetClaimedFen, Beneficiaries: r.Beneficiaries,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Status: r.Status,
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		CategoryIDs: []int64{}, RegionCodes: []string{}}
}

// CreatePolicy implements benefits.Store.
func (s *Store) CreatePolicy(ctx context.Context, p *benefits.Policy) error {
	row := toRow(*p)
	if err := database.Conn(ctx, s.db).Create(&row).Error; err != nil {
		return fmt.Errorf("insert policy: %w", err)
	}
	p.ID = row.ID
	return s.saveScope(ctx, *p)
}

// SavePolicy implements benefits.Store.
func (s *Store) SavePolicy(ctx context.Context, p benefits.Policy) error {
	row := toRow(p)
	if err := database.Conn(ctx, s.db).Save(&row).Error; err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	return s.saveScope(ctx, p)
}

// saveScope replaces a policy's categories and regions.
func (s *Store) saveScope(ctx context.Context, p benefits.Policy) error {
	db := database.Conn(ctx, s.db)
	if err := db.Where("policy_id = ?", p.ID).Delete(&PolicyCategoryRow{}).Error; err != nil {
		return fmt.Errorf("clear policy categories: %w", err)
	}
	if err := db.Where("policy_id = ?", p.ID).Delete(&PolicyRegionRow{}).Error; err != nil {
		return fmt.Errorf("clear policy regions: %w", err)
	}
	cats := make([]PolicyCategoryRow, 0, len(p.CategoryIDs))
	seen := map[int64]bool{}
	for _, id := range p.CategoryIDs {
		if !seen[id] {
			seen[id] = true
			cats = append(cats, PolicyCategoryRow{PolicyID: p.ID, CategoryID: id})
		}
	}
	if len(cats) > 0 {
		if err := db.Create(&cats).Error; err != nil {
			return fmt.Errorf("save policy categories: %w", err)
		}
	}
	regs := make([]PolicyRegionRow, 0, len(p.RegionCodes))
	seenR := map[string]bool{}
	for _, code := range p.RegionCodes {
		if !seenR[code] {
			seenR[code] = true
			regs = append(regs, PolicyRegionRow{PolicyID: p.ID, RegionCode: code})
		}
	}
	if len(regs) > 0 {
		if err := db.Create(&regs).Error; err != nil {
			return fmt.Errorf("save policy regions: %w", err)
		}
	}
	return nil
}

// policies reads rows and their scopes in three statements.
func (s *Store) policies(db *gorm.DB, rows []PolicyRow) ([]benefits.Policy, error) {
	out := make([]benefits.Policy, len(rows))
	index := map[int64]int{}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i], index[r.ID], ids[i] = toPolicy(r), i, r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var cats []PolicyCategoryRow
	if err := db.Where("policy_id IN ?", ids).Order("category_id").Find(&cats).Error; err != nil {
		return nil, fmt.Errorf("policy categories: %w", err)
	}
	for _, c := range cats {
		p := &out[index[c.PolicyID]]
		p.CategoryIDs = append(p.CategoryIDs, c.CategoryID)
	}
	var regs []PolicyRegionRow
	if err := db.Where("policy_id IN ?", ids).Order("region_code").Find(&regs).Error; err != nil {
		return nil, fmt.Errorf("policy regions: %w", err)
	}
	for _, r := range regs {
		p := &out[index[r.PolicyID]]
		p.RegionCodes = append(p.RegionCodes, r.RegionCode)
	}
	return out, nil
}

func (s *Store) policy(db *gorm.DB, ctx context.Context, id int64) (benefits.Policy, error) {
	var r PolicyRow
	err := db.Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return benefits.Policy{}, problem.NotFound()
	}
	if err != nil {
		return benefits.Policy{}, fmt.Errorf("find policy: %w", err)
	}
	ps, err := s.policies(database.Conn(ctx, s.db), []PolicyRow{r})
	if err != nil {
		return benefits.Policy{}, err
	}
	return ps[0], nil
}

// Policy implements benefits.Store.
func (s *Store) Policy(ctx context.Context, id int64) (benefits.Policy, error) {
	return s.policy(database.Conn(ctx, s.db), ctx, id)
}

// LockPolicy implements benefits.Store.
func (s *Store) LockPolicy(ctx context.Context, id int64) (benefits.Policy, error) {
	return s.policy(database.Conn(ctx, s.db).Clauses(clause.Locking{Strength: "UPDATE"}), ctx, id)
}

// SharePolicies implements benefits.Store.
func (s *Store) SharePolicies(ctx context.Context, ids []int64) error {
	return database.ShareRows(ctx, s.db, "policies", ids...)
}

// Spent implements benefits.Store, adding up the benefits of each policy.
func (s *Store) Spent(ctx context.Context, ids []int64) (map[int64]benefits.Balances, error) {
	out := make(map[int64]benefits.Balances, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		PolicyID          int64
		Reserved, UsedFen int64
	}
	err := database.Conn(ctx, s.db).Model(&BenefitRow{}).
		Select("policy_id, SUM(reserved_fen) AS reserved, SUM(used_fen) AS used_fen").
		Where("policy_id IN ?", ids).Group("policy_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("policy totals: %w", err)
	}
	for _, r := range rows {
		out[r.PolicyID] = benefits.Balances{ReservedFen: r.Reserved, UsedFen: r.UsedFen}
	}
	return out, nil
}

// Policies implements benefits.Store.
func (s *Store) Policies(ctx context.Context, status string, page paging.Request) ([]benefits.Policy, int64, error) {
	q := database.Conn(ctx, s.db).Model(&PolicyRow{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count policies: %w", err)
	}
	var rows []PolicyRow
	if err := q.Order("id DESC").Offset(page.Offset()).Limit(page.PageSize).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list policies: %w", err)
	}
	out, err := s.policies(database.Conn(ctx, s.db), rows)
	return out, total, err
}

// ActivePolicies implements benefits.Store.
func (s *Store) ActivePolicies(ctx context.Context) ([]benefits.Policy, error) {
	db := database.Conn(ctx, s.db)
	var rows []PolicyRow
	if err := db.Where("status = ?", benefits.PolicyActive).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("active policies: %w", err)
	}
	return s.policies(db, rows)
}

func toBenefit(r BenefitRow) benefits.Benefit {
	return benefits.Benefit{ID: r.ID, PolicyID: r.PolicyID, EnterpriseID: r.EnterpriseID,
		Status: r.Status, QuotaFen: r.QuotaFen, ReservedFen: r.ReservedFen, UsedFen: r.UsedFen,
		CreatedAt: r.CreatedAt}
}

// Benefits implements benefits.Store.
func (s *Store) Benefits(ctx context.Context, enterpriseID int64) ([]benefits.Benefit, error) {
	db := database.Conn(ctx, s.db)
	var rows []BenefitRow
	if err := db.Where("enterprise_id = ?", enterpriseID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list benefits: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PolicyID
	}
	var prows []PolicyRow
	if len(ids) > 0 {
		if err := db.Where("id IN ?", ids).Find(&prows).Error; err != nil {
			return nil, fmt.Errorf("benefit policies: %w", err)
		}
	}
	ps, err := s.policies(db, prows)
	if err != nil {
		return nil, err
	}
	byID := map[int64]benefits.Policy{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]benefits.Benefit, len(rows))
	for i, r := range rows {
		out[i] = toBenefit(r)
		out[i].Policy = byID[r.PolicyID]
	}
	return out, nil
}

// Benefit implements benefits.Store.
func (s *Store) Benefit(ctx context.Context, policyID, enterpriseID int64) (benefits.Benefit, bool, error) {
	var r BenefitRow
	err := database.Conn(ctx, s.db).Where("policy_id = ? AND enterprise_id = ?", policyID,
		enterpriseID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return benefits.Benefit{}, false, nil
	}
	if err != nil {
		return benefits.Benefit{}, false, fmt.Errorf("find benefit: %w", err)
	}
	return toBenefit(r), true, nil
}

// LockBenefits implements benefits.Store.
func (s *Store) LockBenefits(ctx context.Context, ids []int64) ([]benefits.Benefit, error) {
	sorted := append([]int64(nil), ids...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	var rows []BenefitRow
	err := database.Conn(ctx, s.db).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id IN ?", sorted).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("lock benefits: %w", err)
	}
	out := make([]benefits.Benefit, len(rows))
	for i, r := range rows {
		out[i] = toBenefit(r)
	}
	return out, nil
}

// CreateBenefit implements benefits.Store; a second benefit of the same
// enterprise on the same policy is already_claimed.
func (s *Store) CreateBenefit(ctx context.Context, b *benefits.Benefit) error {
	r := BenefitRow{PolicyID: b.PolicyID, EnterpriseID: b.EnterpriseID, Status: b.Status,
		QuotaFen: b.QuotaFen, CreatedAt: b.CreatedAt, UpdatedAt: b.CreatedAt}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		if _, dup := database.UniqueViolation(err); dup {
			return problem.New(problem.CodeAlreadyClaimed, problem.Text{
				ZH: "您已领取或放弃该优惠资格。", EN: "You have claimed or declined this already."})
		}
		return fmt.Errorf("insert benefit: %w", err)
	}
	b.ID = r.ID
	return nil
}

// MoveBenefit implements benefits.Store with a conditional update.
func (s *Store) MoveBenefit(ctx context.Context, id int64, reserved, used int64) error {
	res := database.Conn(ctx, s.db).Model(&BenefitRow{}).
		Where("id = ? AND reserved_fen + ? >= 0 AND used_fen + ? >= 0 AND "+
			"reserved_fen + used_fen + ? + ? <= quota_fen", id, reserved, used, reserved, used).
		Updates(map[string]any{
			"reserved_fen": gorm.Expr("reserved_fen + ?", reserved),
			"used_fen":     gorm.Expr("used_fen + ?", used),
			"updated_at":   time.Now().UTC(),
		})
	if res.Error != nil {
		return fmt.Errorf("move benefit: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return benefits.ErrOverdrawn
	}
	return nil
}

// AddClaim implements benefits.Store with a conditional update.
func (s *Store) AddClaim(ctx context.Context, id int64, claimed int64) error {
	res := database.Conn(ctx, s.db).Model(&PolicyRow{}).
		Where("id = ? AND budget_claimed_fen + ? <= total_budget_fen", id, claimed).
		Updates(map[string]any{
			"budget_claimed_fen": gorm.Expr("budget_claimed_fen + ?", claimed),
			"beneficiaries":      gorm.Expr("beneficiaries + 1"),
		})
	if res.Error != nil {
		return fmt.Errorf("add claim: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return benefits.ErrOverdrawn
	}
	return nil
}

// AppendLedger implements benefits.Store.
func (s *Store) AppendLedger(ctx context.Context, e benefits.Entry) error {
	r := LedgerRow{PolicyID: e.PolicyID, BenefitID: e.BenefitID, EnterpriseID: e.EnterpriseID,
		Kind: e.Kind, AmountFen: e.AmountFen, CreatedAt: e.CreatedAt}
	if e.OrderID != 0 {
		r.OrderID = &e.OrderID
	}
	if err := database.Conn(ctx, s.db).Create(&r).Error; err != nil {
		return fmt.Errorf("append ledger: %w", err)
	}
	return nil
}

// OrderEntries implements benefits.Store.
func (s *Store) OrderEntries(ctx context.Context, orderID int64) ([]benefits.Entry, error) {
	var rows []LedgerRow
	err := database.Conn(ctx, s.db).Where("order_id = ?", orderID).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("order ledger: %w", err)
	}
	out := make([]benefits.Entry, len(rows))
	for i, r := range rows {
		out[i] = benefits.Entry{PolicyID: r.PolicyID, BenefitID: r.BenefitID,
			EnterpriseID: r.EnterpriseID, OrderID: orderID, Kind: r.Kind, AmountFen: r.AmountFen,
			CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// StoredBalances implements benefits.Store: a policy's claimed amount is
// its own, its reserved and used amounts those of its benefits.
func (s *Store) StoredBalances(ctx context.Context) (map[int64]benefits.Balances, map[int64]benefits.Balances, error) {
	db := database.Conn(ctx, s.db)
	var ps []PolicyRow
	if err := db.Find(&ps).Error; err != nil {
		return nil, nil, fmt.Errorf("policy balances: %w", err)
	}
	var bs []BenefitRow
	if err := db.Where("status = ?", benefits.BenefitClaimed).Find(&bs).Error; err != nil {
		return nil, nil, fmt.Errorf("benefit balances: %w", err)
	}
	pm, bm := map[int64]benefits.Balances{}, map[int64]benefits.Balances{}
	for _, p := range ps {
		pm[p.ID] = benefits.Balances{ClaimedFen: p.BudgetClaimedFen}
	}
	for _, b := range bs {
		bm[b.ID] = benefits.Balances{ClaimedFen: b.QuotaFen, ReservedFen: b.ReservedFen,
			UsedFen: b.UsedFen}
		p := pm[b.PolicyID]
		p.ReservedFen += b.ReservedFen
		p.UsedFen += b.UsedFen
		pm[b.PolicyID] = p
	}
	return pm, bm, nil
}

// LedgerBalances implements benefits.Store by adding up every entry.
func (s *Store) LedgerBalances(ctx context.Context) (map[int64]benefits.Balances, map[int64]benefits.Balances, error) {
	var rows []struct {
		PolicyID  int64
		BenefitID int64
		Kind      string
		Total     int64
	}
	err := database.Conn(ctx, s.db).Model(&LedgerRow{}).
		Select("policy_id, benefit_id, kind, SUM(amount_fen) AS total").
		Group("policy_id, benefit_id, kind").Scan(&rows).Error
	if err != nil {
		return nil, nil, fmt.Errorf("ledger totals: %w", err)
	}
	pm, bm := map[int64]benefits.Balances{}, map[int64]benefits.Balances{}
	for _, r := range rows {
		for _, m := range []struct {
			set map[int64]benefits.Balances
			id  int64
		}{{pm, r.PolicyID}, {bm, r.BenefitID}} {
			b := m.set[m.id]
			switch r.Kind {
			case benefits.EntryClaim:
				b.ClaimedFen += r.Total
			case benefits.EntryReserve:
				b.ReservedFen += r.Total
			case benefits.EntryRelease:
				b.ReservedFen -= r.Total
			case benefits.EntryConsume:
				b.ReservedFen -= r.Total
				b.UsedFen += r.Total
			}
			m.set[m.id] = b
		}
	}
	return pm, bm, nil
}
