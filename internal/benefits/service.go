package benefits

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"shangyun/internal/accounts"
	"shangyun/internal/audit"
	"shangyun/internal/auth"
	"shangyun/internal/problem"
)

// Regions is what benefits needs of the region tree.
type Regions interface {
	Exists(code string) bool
	Covers(ancestor, code string) bool
}

// Categories is what benefits needs of the catalog: every category id with
// its parent's (0 for top-level ones).
type Categories interface {
	Parents(ctx context.Context) (map[int64]int64, error)
}

// Certifier tells whether an enterprise holds an approved certification.
type Certifier interface {
	Certified(ctx context.Context, enterpriseID int64) (bool, error)
}

// Users finds accounts.
type Users interface {
	UserByID(ctx context.Context, id int64) (accounts.User, error)
}

// Transactor runs a function in one database transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// InSnapshot runs fn in a read-only transaction seeing one snapshot.
	InSnapshot(ctx context.Context, fn func(ctx context.Context) error) error
}

// Deps are what a Service works with.
type Deps struct {
	Store      Store
	Regions    Regions
	Categories Categories
	Certifier  Certifier
	Users      Users
	Tx         Transactor
	Audit      audit.Recorder
	Now        func() time.Time
}

// Service carries out the subsidy rules.
type Service struct{ Deps }

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// covers reports whether p covers a county.
func (s *Service) covers(p Policy, county string) bool {
	if len(p.RegionCodes) == 0 {
		return county != ""
	}
	for _, code := range p.RegionCodes {
		if s.Regions.Covers(code, county) {
			return true
		}
	}
	return false
}

// Overview is what an enterprise sees of the programme.
type Overview struct {
	Offers   []Policy
	Claimed  []Benefit
	Declined []Policy
}

// Overview returns the enterprise's offers (active, live policies covering
// its county that it has neither claimed nor declined, shown once it is
// certified), its claimed benefits and the policies it declined.
func (s *Service) Overview(ctx context.Context, enterpriseID int64) (Overview, error) {
	u, err := s.Users.UserByID(ctx, enterpriseID)
	if err != nil {
		return Overview{}, err
	}
	return s.overview(ctx, u)
}

// overview is Overview for an account already read, as the sign-in and
// profile answers have it.
func (s *Service) overview(ctx context.Context, u accounts.User) (Overview, error) {
	out := Overview{Offers: []Policy{}, Claimed: []Benefit{}, Declined: []Policy{}}
	mine, err := s.Store.Benefits(ctx, u.ID)
	if err != nil {
		return out, err
	}
	held := map[int64]bool{}
	for _, b := range mine {
		held[b.PolicyID] = true
		if b.Status == BenefitClaimed {
			out.Claimed = append(out.Claimed, b)
		} else {
			out.Declined = append(out.Declined, b.Policy)
		}
	}

	certified, err := s.Certifier.Certified(ctx, u.ID)
	if err != nil || !certified {
		return out, err
	}
	active, err := s.Store.ActivePolicies(ctx)
	if err != nil {
		return out, err
	}
	now := s.Now()
	for _, p := range active {
		if !held[p.ID] && p.Live(now) && s.covers(p, u.RegionCode) {
			out.Offers = append(out.Offers, p)
		}
	}
	return out, nil
}

// policyFor returns a policy the enterprise may act on: not_found when it
// does not exist, is a draft, or does not cover the enterprise's county.
func (s *Service) policyFor(ctx context.Context, u accounts.User, id int64) (Policy, error) {
	p, err := s.Store.LockPolicy(ctx, id)
	if err != nil {
		return Policy{}, err
	}
	if p.Status == PolicyDraft || !s.covers(p, u.RegionCode) {
		return Policy{}, problem.NotFound()
	}
	return p, nil
}

// Claim takes the enterprise's quota out of the policy's budget: all of
// it, or what is left when less. It needs an approved certification
// (certification_required) and answers already_claimed, offer_declined,
// policy_not_active and budget_exhausted. The policy row's lock makes
// concurrent claims queue, so the budget never goes below zero.
func (s *Service) Claim(ctx context.Context, enterpriseID, policyID int64) (Benefit, error) {
	var b Benefit
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, p, err := s.claimable(ctx, enterpriseID, policyID)
		if err != nil {
			return err
		}
		quota := min(p.PerEnterpriseQuotaFen, p.BudgetRemainingFen())
		if quota <= 0 {
			return problem.New(problem.CodeBudgetExhausted, problem.Text{
				ZH: "该政策预算已领完。", EN: "The policy's budget is exhausted."})
		}
		now := s.Now().UTC()
		b = Benefit{PolicyID: p.ID, EnterpriseID: u.ID, Status: BenefitClaimed,
			QuotaFen: quota, CreatedAt: now}
		if err := s.Store.CreateBenefit(ctx, &b); err != nil {
			return err
		}
		if err := s.Store.AddClaim(ctx, p.ID, quota); err != nil {
			return err
		}
		p.BudgetClaimedFen += quota
		p.Beneficiaries++
		b.Policy = p
		err = s.Store.AppendLedger(ctx, Entry{PolicyID: p.ID, BenefitID: b.ID,
			EnterpriseID: u.ID, Kind: EntryClaim, AmountFen: quota, CreatedAt: now})
		if err != nil {
			return err
		}
		return s.audit(ctx, "benefit.claim", p.ID, "quota_fen="+strconv.FormatInt(quota, 10))
	})
	if errors.Is(err, ErrOverdrawn) {
		return Benefit{}, problem.New(problem.CodeBudgetExhausted, problem.Text{
			ZH: "该政策预算已领完。", EN: "The policy's budget is exhausted."})
	}
	return b, err
}

// claimable checks everything that must hold to claim or decline.
func (s *Service) claimable(ctx context.Context, enterpriseID, policyID int64) (accounts.User, Policy, error) {
	u, err := s.Users.UserByID(ctx, enterpriseID)
	if err != nil {
		return accounts.User{}, Policy{}, err
	}
	p, err := s.policyFor(ctx, u, policyID)
	if err != nil {
		return accounts.User{}, Policy{}, err
	}
	certified, err := s.Certifier.Certified(ctx, u.ID)
	if err != nil {
		return accounts.User{}, Policy{}, err
	}
	if !certified {
		return accounts.User{}, Policy{}, problem.New(problem.CodeCertificationRequired, problem.Text{
			ZH: "通过企业认证后才能领取优惠资格。",
			EN: "An approved certification is needed to claim a subsidy."})
	}
	if b, ok, err := s.Store.Benefit(ctx, p.ID, u.ID); err != nil || ok {
		if err != nil {
			return accounts.User{}, Policy{}, err
		}
		if b.Status == BenefitDeclined {
			return accounts.User{}, Policy{}, problem.New(problem.CodeOfferDeclined, problem.Text{
				ZH: "您已放弃该优惠资格，不能再领取。", EN: "You declined this offer for good."})
		}
		return accounts.User{}, Policy{}, problem.New(problem.CodeAlreadyClaimed, problem.Text{
			ZH: "您已领取该优惠资格。", EN: "You have claimed this benefit already."})
	}
	if !p.Live(s.Now()) {
		return accounts.User{}, Policy{}, problem.New(problem.CodePolicyNotActive, problem.Text{
			ZH: "该政策已结束或尚未开始。", EN: "The policy is closed, expired or not started."})
	}
	return u, p, nil
}

// Decline gives an offer up for good (我不要). The client must have had the
// user confirm.
func (s *Service) Decline(ctx context.Context, enterpriseID, policyID int64, confirm bool) (Policy, error) {
	if !confirm {
		return Policy{}, problem.Validation(field("confirm", "required",
			"放弃后不能再领取，请确认（confirm: true）", "must be true: declining is final"))
	}
	var p Policy
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var u accounts.User
		var err error
		if u, p, err = s.claimable(ctx, enterpriseID, policyID); err != nil {
			return err
		}
		err = s.Store.CreateBenefit(ctx, &Benefit{PolicyID: p.ID, EnterpriseID: u.ID,
			Status: BenefitDeclined, CreatedAt: s.Now().UTC()})
		if err != nil {
			return err
		}
		return s.audit(ctx, "benefit.decline", p.ID, "")
	})
	return p, err
}

// Summarize implements accounts.Summarizer: benefit counts and a
// benefit_offer prompt per offer.
func (s *Service) Summarize(ctx context.Context, u accounts.User, lang string, sum *accounts.Summary) error {
	if u.Role != auth.RoleEnterprise {
		return nil
	}
	o, err := s.overview(ctx, u)
	if err != nil {
		return err
	}
	sum.Benefits = accounts.BenefitCounts{Offers: len(o.Offers), Claimed: len(o.Claimed),
		Declined: len(o.Declined)}
	for _, p := range o.Offers {
		msg := problem.Text{ZH: "您可以领取“" + p.Name + "”优惠资格，领取后下单可自动享受优惠。",
			EN: "You may claim the benefit \"" + p.Name + "\"; orders then get the discount."}
		sum.Prompts = append(sum.Prompts, accounts.Prompt{Code: "benefit_offer",
			Message: msg.In(lang), PolicyID: p.ID})
	}
	return nil
}

// Candidates returns the enterprise's claimed benefits for pricing at now.
func (s *Service) Candidates(ctx context.Context, enterpriseID int64, lock bool) ([]Candidate, error) {
	mine, err := s.Store.Benefits(ctx, enterpriseID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, b := range mine {
		if b.Status == BenefitClaimed {
			ids = append(ids, b.ID)
		}
	}
	if lock && len(ids) > 0 {
		locked, err := s.Store.LockBenefits(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := map[int64]Benefit{}
		for _, b := range locked {
			byID[b.ID] = b
		}
		for i, b := range mine {
			if l, ok := byID[b.ID]; ok {
				l.Policy = b.Policy
				mine[i] = l
			}
		}
	}

	now := s.Now()
	out := []Candidate{}
	for _, b := range mine {
		if b.Status != BenefitClaimed {
			continue
		}
		cats := map[int64]bool{}
		for _, id := range b.Policy.CategoryIDs {
			cats[id] = true
		}
		out = append(out, Candidate{BenefitID: b.ID, PolicyID: b.PolicyID,
			PolicyVersion: b.Policy.Version, PolicyName: b.Policy.Name,
			Rate: b.Policy.DiscountRate, CapFen: b.Policy.PerOrderCapFen,
			RemainingFen: b.RemainingFen(), ValidUntil: b.Policy.ValidUntil,
			Active: b.Policy.Live(now), Categories: cats})
	}
	return out, nil
}

// Certified reports whether the enterprise may get discounts.
func (s *Service) Certified(ctx context.Context, enterpriseID int64) (bool, error) {
	return s.Certifier.Certified(ctx, enterpriseID)
}

// SharePolicies holds a shared lock on the policies' rows for the rest of
// the transaction in ctx, so that none of them changes before a checkout
// pricing with them commits; checkouts under one policy still run side by
// side, since none of them writes the policy's row.
func (s *Service) SharePolicies(ctx context.Context, ids []int64) error {
	return s.Store.SharePolicies(ctx, ids)
}

// Reserve moves amount of a benefit into reservation for an order, in the
// transaction ctx carries; ErrOverdrawn when the benefit cannot cover it.
func (s *Service) Reserve(ctx context.Context, policyID, benefitID, enterpriseID, orderID,
	amount int64) error {
	return s.movement(ctx, EntryReserve, policyID, benefitID, enterpriseID, orderID, amount,
		amount, 0)
}

// Release gives back what an order reserved, when it is cancelled.
func (s *Service) Release(ctx context.Context, orderID int64) error {
	return s.settle(ctx, orderID, EntryRelease)
}

// Consume turns what an order reserved into use, when it completes.
func (s *Service) Consume(ctx context.Context, orderID int64) error {
	return s.settle(ctx, orderID, EntryConsume)
}

func (s *Service) settle(ctx context.Context, orderID int64, kind string) error {
	entries, err := s.Store.OrderEntries(ctx, orderID)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Kind != EntryReserve {
			continue
		}
		used := int64(0)
		if kind == EntryConsume {
			used = e.AmountFen
		}
		err := s.movement(ctx, kind, e.PolicyID, e.BenefitID, e.EnterpriseID, orderID,
			e.AmountFen, -e.AmountFen, used)
		if err != nil {
			return err
		}
	}
	return nil
}

// movement records one ledger entry and the benefit balances it changes.
// The policy's row is left alone: its reserved and used totals are summed
// from its benefits when read, so that checkouts under one policy do not
// queue on one row.
func (s *Service) movement(ctx context.Context, kind string, policyID, benefitID, enterpriseID,
	orderID, amount, reserved, used int64) error {
	if err := s.Store.MoveBenefit(ctx, benefitID, reserved, used); err != nil {
		return err
	}
	return s.Store.AppendLedger(ctx, Entry{PolicyID: policyID, BenefitID: benefitID,
		EnterpriseID: enterpriseID, OrderID: orderID, Kind: kind, AmountFen: amount,
		CreatedAt: s.Now().UTC()})
}

// Verify rebuilds every balance from the ledger and reports the first
// that differs from what is stored. Both are read in one transaction, so
// that movements committed in between do not show as differences.
func (s *Service) Verify(ctx context.Context) error {
	var sp, sb, lp, lb map[int64]Balances
	err := s.Tx.InSnapshot(ctx, func(ctx context.Context) error {
		var err error
		if sp, sb, err = s.Store.StoredBalances(ctx); err != nil {
			return err
		}
		lp, lb, err = s.Store.LedgerBalances(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, set := range []struct {
		what           string
		stored, ledger map[int64]Balances
	}{{"policy", sp, lp}, {"benefit", sb, lb}} {
		for id, st := range set.stored {
			if l := set.ledger[id]; l != st {
				return fmt.Errorf("%s %d: stored %+v, ledger %+v", set.what, id, st, l)
			}
		}
		for id, l := range set.ledger {
			if _, ok := set.stored[id]; !ok && l != (Balances{}) {
				return fmt.Errorf("%s %d: ledger %+v without a stored balance", set.what, id, l)
			}
		}
	}
	return nil
}
