package benefits

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shangyun/internal/audit"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// PolicyInput is a new policy or an edit of one; nil fields stay.
type PolicyInput struct {
	Name                  *string
	Description           *string
	DiscountRate          *int
	PerOrderCapFen        *int64
	PerEnterpriseQuotaFen *int64
	TotalBudgetFen        *int64
	CategoryIDs           *[]int64
	RegionCodes           *[]string
	ValidFrom             *time.Time
	ValidUntil            *time.Time
}

func field(name, code, zh, en string) problem.Field {
	return problem.Field{Field: name, Code: code, Message: problem.Text{ZH: zh, EN: en}}
}

// apply writes the set fields of in onto p.
func (in PolicyInput) apply(p *Policy) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&p.Name, in.Name)
	set(&p.Description, in.Description)
	if in.DiscountRate != nil {
		p.DiscountRate = *in.DiscountRate
	}
	for dst, v := range map[*int64]*int64{&p.PerOrderCapFen: in.PerOrderCapFen,
		&p.PerEnterpriseQuotaFen: in.PerEnterpriseQuotaFen, &p.TotalBudgetFen: in.TotalBudgetFen} {
		if v != nil {
			*dst = *v
		}
	}
	// The lists are sets, kept sorted: the policy answered is the one a
	// later read gives.
	if in.CategoryIDs != nil {
		p.CategoryIDs = slices.Compact(slices.Sorted(slices.Values(*in.CategoryIDs)))
	}
	if in.RegionCodes != nil {
		p.RegionCodes = slices.Compact(slices.Sorted(slices.Values(*in.RegionCodes)))
	}
	if in.ValidFrom != nil {
		p.ValidFrom = in.ValidFrom.UTC()
	}
	if in.ValidUntil != nil {
		p.ValidUntil = in.ValidUntil.UTC()
	}
}

// check lists every broken rule of a policy as it would be saved.
func (s *Service) check(p Policy, categories map[int64]int64) []problem.Field {
	var fs []problem.Field
	if n := utf8.RuneCountInString(p.Name); n < 2 || n > 100 {
		fs = append(fs, field("name", "length", "名称须为 2 到 100 个字符", "must be 2 to 100 characters"))
	}
	if utf8.RuneCountInString(p.Description) > 5000 {
		fs = append(fs, field("description", "max", "描述最多 5000 个字符", "must be at most 5000 characters"))
	}
	if p.DiscountRate < 1 || p.DiscountRate > 10000 {
		fs = append(fs, field("discount_rate", "range", "优惠比例须在 1 到 10000 个基点之间",
			"must be 1 to 10000 basis points"))
	}
	for name, v := range map[string]int64{"per_order_cap_fen": p.PerOrderCapFen,
		"per_enterprise_quota_fen": p.PerEnterpriseQuotaFen, "total_budget_fen": p.TotalBudgetFen} {
		if v <= 0 || v > 1_000_000_000_000 {
			fs = append(fs, field(name, "range", "须为正整数（分）", "must be a positive number of fen"))
		}
	}
	for _, code := range p.RegionCodes {
		if !s.Regions.Exists(code) {
			fs = append(fs, field("region_codes", "region", "区域代码 "+code+" 不存在",
				"no region "+code))
		}
	}
	for _, id := range p.CategoryIDs {
		if _, ok := categories[id]; !ok {
			fs = append(fs, field("category_ids", "category", "分类 "+strconv.FormatInt(id, 10)+" 不存在",
				"no category "+strconv.FormatInt(id, 10)))
		}
	}
	if !p.ValidUntil.After(p.ValidFrom) {
		fs = append(fs, field("valid_until", "after", "截止时间须晚于开始时间",
			"must be after valid_from"))
	}
	return fs
}

// CreatePolicy saves a draft policy.
func (s *Service) CreatePolicy(ctx context.Context, in PolicyInput) (Policy, error) {
	now := s.Now().UTC()
	p := Policy{Status: PolicyDraft, Version: 1, CreatedAt: now, UpdatedAt: now,
		CategoryIDs: []int64{}, RegionCodes: []string{}}
	in.apply(&p)
	categories, err := s.Categories.Parents(ctx)
	if err != nil {
		return Policy{}, err
	}
	if fs := s.check(p, categories); len(fs) > 0 {
		return Policy{}, problem.Validation(fs...)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreatePolicy(ctx, &p); err != nil {
			return err
		}
		return s.audit(ctx, "policy.create", p.ID, p.Name)
	})
	return p, err
}

// UpdatePolicy edits a policy. A draft may change anything; an active one
// only its description, its end and its budget (upwards), each change
// raising its version so that orders keep the figures they were priced
// with; a closed one nothing (invalid_transition).
func (s *Service) UpdatePolicy(ctx context.Context, id int64, in PolicyInput) (Policy, error) {
	var p Policy
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.Store.LockPolicy(ctx, id); err != nil {
			return err
		}
		oldBudget := p.TotalBudgetFen
		switch p.Status {
		case PolicyClosed:
			return transition(p.Status, "activate, close")
		case PolicyActive:
			if fs := activeEditable(in, oldBudget); len(fs) > 0 {
				return problem.Validation(fs...)
			}
			p.Version++
		}
		in.apply(&p)
		categories, err := s.Categories.Parents(ctx)
		if err != nil {
			return err
		}
		if fs := s.check(p, categories); len(fs) > 0 {
			return problem.Validation(fs...)
		}
		p.UpdatedAt = s.Now().UTC()
		if err := s.Store.SavePolicy(ctx, p); err != nil {
			return err
		}
		if err := s.spent(ctx, []*Policy{&p}); err != nil {
			return err
		}
		return s.audit(ctx, "policy.update", id, "version "+strconv.Itoa(p.Version))
	})
	return p, err
}

// activeEditable checks that an edit of an active policy keeps to what
// may change.
func activeEditable(in PolicyInput, budget int64) []problem.Field {
	var fs []problem.Field
	locked := map[string]bool{"name": in.Name != nil, "discount_rate": in.DiscountRate != nil,
		"per_order_cap_fen": in.PerOrderCapFen != nil, "category_ids": in.CategoryIDs != nil,
		"per_enterprise_quota_fen": in.PerEnterpriseQuotaFen != nil,
		"region_codes":             in.RegionCodes != nil, "valid_from": in.ValidFrom != nil}
	for name, set := range locked {
		if set {
			fs = append(fs, field(name, "locked", "生效中的政策不能修改此项",
				"cannot change while the policy is active"))
		}
	}
	if in.TotalBudgetFen != nil && *in.TotalBudgetFen < budget {
		fs = append(fs, field("total_budget_fen", "increase_only", "生效中的政策预算只能增加",
			"may only grow while the policy is active"))
	}
	return fs
}

// Activate opens a draft policy to claims.
func (s *Service) Activate(ctx context.Context, id int64) (Policy, error) {
	return s.move(ctx, id, PolicyDraft, PolicyActive, "policy.activate")
}

// Close stops new claims and discounts; reservations already made still
// complete or are released.
func (s *Service) Close(ctx context.Context, id int64) (Policy, error) {
	return s.move(ctx, id, PolicyActive, PolicyClosed, "policy.close")
}

func (s *Service) move(ctx context.Context, id int64, from, to, action string) (Policy, error) {
	var p Policy
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.Store.LockPolicy(ctx, id); err != nil {
			return err
		}
		if p.Status != from {
			allowed := map[string]string{PolicyDraft: "activate", PolicyActive: "close"}[p.Status]
			return transition(p.Status, allowed)
		}
		p.Status, p.UpdatedAt = to, s.Now().UTC()
		if err := s.Store.SavePolicy(ctx, p); err != nil {
			return err
		}
		if err := s.spent(ctx, []*Policy{&p}); err != nil {
			return err
		}
		return s.audit(ctx, action, id, "")
	})
	return p, err
}

func transition(status, allowed string) error {
	p := problem.New(problem.CodeInvalidTransition, problem.Text{
		ZH: "政策当前状态为 " + status + "，不能执行此操作。",
		EN: "The policy is " + status + "; this action is not allowed."})
	p.Extra = map[string]any{"current_status": status, "allowed_actions": strings.Split(allowed, ", ")}
	if allowed == "" {
		p.Extra["allowed_actions"] = []string{}
	}
	return p
}

// Policy returns one policy with its reserved and used totals.
func (s *Service) Policy(ctx context.Context, id int64) (Policy, error) {
	p, err := s.Store.Policy(ctx, id)
	if err != nil {
		return Policy{}, err
	}
	return p, s.spent(ctx, []*Policy{&p})
}

// Policies returns a page of policies, newest first, with their reserved
// and used totals.
func (s *Service) Policies(ctx context.Context, status string, page paging.Request) ([]Policy, int64, error) {
	ps, total, err := s.Store.Policies(ctx, status, page)
	if err != nil {
		return nil, 0, err
	}
	refs := make([]*Policy, len(ps))
	for i := range ps {
		refs[i] = &ps[i]
	}
	return ps, total, s.spent(ctx, refs)
}

// spent fills in the policies' reserved and used totals, summed over
// their benefits in one statement.
func (s *Service) spent(ctx context.Context, ps []*Policy) error {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	sums, err := s.Store.Spent(ctx, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		p.BudgetReservedFen, p.BudgetUsedFen = sums[p.ID].ReservedFen, sums[p.ID].UsedFen
	}
	return nil
}

func (s *Service) audit(ctx context.Context, action string, id int64, detail string) error {
	return s.Audit.Record(ctx, audit.Entry{Action: action, TargetType: "policy",
		TargetID: strconv.FormatInt(id, 10), Detail: detail})
}
