package benefits

import (
	"sort"
	"time"
)

// Reasons an order gets no discount, in the order of precedence: when
// several apply, the first is given.
const (
	ReasonNotCertified       = "not_certified"
	ReasonNoBenefit          = "no_benefit"
	ReasonPolicyExpired      = "policy_expired"
	ReasonCategoryNotCovered = "category_not_covered"
	ReasonQuotaUsedUp        = "quota_used_up"
)

// Candidate is a claimed benefit as the discount rule sees it.
type Candidate struct {
	BenefitID     int64
	PolicyID      int64
	PolicyVersion int
	PolicyName    string
	Rate          int
	CapFen        int64
	RemainingFen  int64
	ValidUntil    time.Time
	// Active is whether the policy is active and valid at the time of
	// pricing.
	Active bool
	// Categories are the covered category ids; empty covers all. A
	// top-level id covers its children.
	Categories map[int64]bool
}

// covers reports whether the policy covers a line of category c whose
// parent is parent.
func (c Candidate) covers(category, parent int64) bool {
	return len(c.Categories) == 0 || c.Categories[category] || (parent != 0 && c.Categories[parent])
}

// Line is an order line as the discount rule sees it.
type Line struct {
	CategoryID       int64
	ParentCategoryID int64
	AmountFen        int64
}

// Order is one provider's share of a checkout.
type Order struct {
	ProviderID int64
	Lines      []Line
}

// Result is the discount of one order.
type Result struct {
	ProviderID  int64
	Candidate   *Candidate
	CoveredFen  int64
	DiscountFen int64
	// Covered tells, line by line, whether the chosen policy covers it.
	Covered []bool
	Reason  string
}

// PercentOf returns amount × rate / 10000, rounded down to the fen,
// without overflowing for any amount an order can reach.
func PercentOf(amount int64, rate int) int64 {
	r := int64(rate)
	return amount/10000*r + amount%10000*r/10000
}

// Apply prices the discount of each order of one checkout. Orders are
// served in ascending provider id, each drawing on what earlier ones left
// of a benefit; each takes the benefit giving it the largest discount
// (ties: the policy expiring first, then the lowest policy id), and
// benefits never stack on one order. The discount of an order is
// min(covered × rate rounded down, the per-order cap, what is left of the
// benefit). Results come in the order of the input.
func Apply(certified bool, candidates []Candidate, orders []Order) []Result {
	remaining := map[int64]int64{}
	for _, c := range candidates {
		remaining[c.BenefitID] = c.RemainingFen
	}
	idx := make([]int, len(orders))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return orders[idx[a]].ProviderID < orders[idx[b]].ProviderID })

	results := make([]Result, len(orders))
	for _, i := range idx {
		results[i] = price(certified, candidates, remaining, orders[i])
		if r := results[i]; r.Candidate != nil {
			remaining[r.Candidate.BenefitID] -= r.DiscountFen
		}
	}
	return results
}

func price(certified bool, candidates []Candidate, remaining map[int64]int64, o Order) Result {
	res := Result{ProviderID: o.ProviderID, Covered: make([]bool, len(o.Lines))}
	switch {
	case !certified:
		res.Reason = ReasonNotCertified
		return res
	case len(candidates) == 0:
		res.Reason = ReasonNoBenefit
		return res
	}

	var best *Candidate
	var bestDiscount, bestCovered int64
	anyActive, anyCovered := false, false
	for i := range candidates {
		c := &candidates[i]
		if !c.Active {
			continue
		}
		anyActive = true
		var covered int64
		for _, l := range o.Lines {
			if c.covers(l.CategoryID, l.ParentCategoryID) {
				covered += l.AmountFen
			}
		}
		anyCovered = anyCovered || covered > 0
		d := min(PercentOf(covered, c.Rate), c.CapFen, remaining[c.BenefitID])
		if d > bestDiscount || (d == bestDiscount && d > 0 && better(c, best)) {
			best, bestDiscount, bestCovered = c, d, covered
		}
	}

	switch {
	case !anyActive:
		res.Reason = ReasonPolicyExpired
	case !anyCovered:
		res.Reason = ReasonCategoryNotCovered
	case best == nil:
		res.Reason = ReasonQuotaUsedUp
	default:
		res.Candidate, res.DiscountFen, res.CoveredFen = best, bestDiscount, bestCovered
		for i, l := range o.Lines {
			res.Covered[i] = best.covers(l.CategoryID, l.ParentCategoryID)
		}
	}
	return res
}

// better breaks a tie between two benefits giving the same discount.
func better(c, than *Candidate) bool {
	if than == nil {
		return true
	}
	if !c.ValidUntil.Equal(than.ValidUntil) {
		return c.ValidUntil.Before(than.ValidUntil)
	}
	return c.PolicyID < than.PolicyID
}
