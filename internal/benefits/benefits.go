// Package benefits owns the subsidy programme (优惠政策): policies defined
// by admins, the benefits enterprises claim from them (领取优惠资格) or
// decline (我不要), the ledger of every movement of money, and the
// discount rule that prices orders. Budgets and quotas never go below
// zero, whatever runs at once.
package benefits

import (
	"context"
	"time"

	"shangyun/internal/paging"
)

// Statuses of a policy.
const (
	PolicyDraft  = "draft"
	PolicyActive = "active"
	PolicyClosed = "closed"
)

// Statuses of a benefit.
const (
	BenefitClaimed  = "claimed"
	BenefitDeclined = "declined"
)

// Kinds of ledger entries.
const (
	EntryClaim   = "claim"
	EntryReserve = "reserve"
	EntryRelease = "release"
	EntryConsume = "consume"
)

// Policy is a subsidy programme.
type Policy struct {
	ID                    int64
	Name                  string
	Description           string
	DiscountRate          int
	PerOrderCapFen        int64
	PerEnterpriseQuotaFen int64
	TotalBudgetFen        int64
	BudgetClaimedFen      int64
	// BudgetReservedFen and BudgetUsedFen add up the policy's benefits;
	// they are filled only on the administrator's reads (Service.Policy,
	// Policies and the changes), not where checkouts read the policy.
	BudgetReservedFen int64
	BudgetUsedFen     int64
	Beneficiaries     int
	CategoryIDs       []int64
	RegionCodes       []string
	ValidFrom         time.Time
	ValidUntil        time.Time
	Status            string
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// BudgetRemainingFen is what can still be claimed.
func (p Policy) BudgetRemainingFen() int64 { return p.TotalBudgetFen - p.BudgetClaimedFen }

// Live reports whether the policy grants claims and discounts at t.
func (p Policy) Live(t time.Time) bool {
	return p.Status == PolicyActive && !t.Before(p.ValidFrom) && t.Before(p.ValidUntil)
}

// Benefit is an enterprise's claim on a policy, or its refusal.
type Benefit struct {
	ID           int64
	PolicyID     int64
	EnterpriseID int64
	Status       string
	QuotaFen     int64
	ReservedFen  int64
	UsedFen      int64
	CreatedAt    time.Time
	Policy       Policy
}

// RemainingFen is what the benefit can still discount.
func (b Benefit) RemainingFen() int64 { return b.QuotaFen - b.ReservedFen - b.UsedFen }

// Entry is one movement of money in the ledger.
type Entry struct {
	PolicyID     int64
	BenefitID    int64
	EnterpriseID int64
	OrderID      int64
	Kind         string
	AmountFen    int64
	CreatedAt    time.Time
}

// Balances are sums by policy or benefit, as stored or as rebuilt from
// the ledger.
type Balances struct {
	ClaimedFen  int64
	ReservedFen int64
	UsedFen     int64
}

// Store keeps policies, benefits and the ledger. Methods join the
// transaction ctx carries.
type Store interface {
	CreatePolicy(ctx context.Context, p *Policy) error
	// SavePolicy writes every field of p, with its categories and regions.
	SavePolicy(ctx context.Context, p Policy) error
	Policy(ctx context.Context, id int64) (Policy, error)
	// SharePolicies holds a shared lock on the rows of the policies with
	// ids until the transaction ends, in ascending id: holders go side by
	// side, and a change to one of the policies waits for them.
	SharePolicies(ctx context.Context, ids []int64) error
	// Spent gives, by policy id, the amounts reserved and used across the
	// policies' benefits.
	Spent(ctx context.Context, ids []int64) (map[int64]Balances, error)
	// LockPolicy is Policy holding the row until the transaction ends.
	LockPolicy(ctx context.Context, id int64) (Policy, error)
	Policies(ctx context.Context, status string, page paging.Request) ([]Policy, int64, error)
	// ActivePolicies returns every active policy.
	ActivePolicies(ctx context.Context) ([]Policy, error)

	// Benefits returns an enterprise's benefits with their policies.
	Benefits(ctx context.Context, enterpriseID int64) ([]Benefit, error)
	Benefit(ctx context.Context, policyID, enterpriseID int64) (Benefit, bool, error)
	// LockBenefits returns the benefits with ids, locking their rows in
	// ascending id so that concurrent checkouts never deadlock.
	LockBenefits(ctx context.Context, ids []int64) ([]Benefit, error)
	CreateBenefit(ctx context.Context, b *Benefit) error
	// MoveBenefit adds to a benefit's reserved and used amounts; it returns
	// ErrOverdrawn when the result would break 0 ≤ reserved + used ≤ quota.
	MoveBenefit(ctx context.Context, id int64, reserved, used int64) error
	// AddClaim adds a claim of amount to a policy's claimed total and one
	// to its beneficiaries; ErrOverdrawn when claimed would pass the
	// budget.
	AddClaim(ctx context.Context, id int64, amount int64) error
	AppendLedger(ctx context.Context, e Entry) error
	// OrderEntries returns the ledger entries of an order.
	OrderEntries(ctx context.Context, orderID int64) ([]Entry, error)

	// StoredBalances and LedgerBalances give, by policy id, the balances
	// the policies hold and the ones the ledger adds up to; the same by
	// benefit id.
	StoredBalances(ctx context.Context) (policies, benefits map[int64]Balances, err error)
	LedgerBalances(ctx context.Context) (policies, benefits map[int64]Balances, err error)
}

// ErrOverdrawn is returned by the Store when a movement would take a
// balance below zero or past its limit.
var ErrOverdrawn = errOverdrawn{}

type errOverdrawn struct{}

func (errOverdrawn) Error() string { return "balance would be overdrawn" }
