package benefits_test

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/benefits"
)

// The category tree the cases price against: two top-level categories,
// each with second-level ones.
const (
	cloudInfra = 1  // 云基础设施
	hosts      = 11 // 云主机, under cloudInfra
	storage    = 12 // 云存储, under cloudInfra
	cloudApps  = 2  // 云应用
	mail       = 21 // 企业邮箱, under cloudApps
)

var (
	expiresSoon  = time.Date(2027, 3, 31, 16, 0, 0, 0, time.UTC)
	expiresLater = time.Date(2027, 12, 31, 16, 0, 0, 0, time.UTC)
)

// benefit returns a live candidate of policy id (and benefit id 100+id)
// at 30%, capped at ¥5,000 an order, with ¥10,000 left, covering every
// category; change adjusts it.
func benefit(id int64, change ...func(*benefits.Candidate)) benefits.Candidate {
	c := benefits.Candidate{BenefitID: 100 + id, PolicyID: id, PolicyVersion: 1,
		PolicyName: "政策", Rate: 3000, CapFen: 500000, RemainingFen: 1000000,
		ValidUntil: expiresLater, Active: true, Categories: map[int64]bool{}}
	for _, f := range change {
		f(&c)
	}
	return c
}

func rate(bp int) func(*benefits.Candidate) {
	return func(c *benefits.Candidate) { c.Rate = bp }
}

func capFen(fen int64) func(*benefits.Candidate) {
	return func(c *benefits.Candidate) { c.CapFen = fen }
}

func remaining(fen int64) func(*benefits.Candidate) {
	return func(c *benefits.Candidate) { c.RemainingFen = fen }
}

func until(t time.Time) func(*benefits.Candidate) {
	return func(c *benefits.Candidate) { c.ValidUntil = t }
}

func covering(ids ...int64) func(*benefits.Candidate) {
	return func(c *benefits.Candidate) {
		for _, id := range ids {
			c.Categories[id] = true
		}
	}
}

// closed marks the policy closed or past its valid_until.
func closed(c *benefits.Candidate) { c.Active = false }

// line is an order line of a second-level category.
func line(category, fen int64) benefits.Line {
	parent := map[int64]int64{hosts: cloudInfra, storage: cloudInfra, mail: cloudApps}[category]
	return benefits.Line{CategoryID: category, ParentCategoryID: parent, AmountFen: fen}
}

func order(provider int64, lines ...benefits.Line) benefits.Order {
	return benefits.Order{ProviderID: provider, Lines: lines}
}

// outcome is what a Result tells a buyer: which policy priced the order,
// for how much, over which lines, or why there is no discount.
type outcome struct {
	ProviderID  int64
	PolicyID    int64
	CoveredFen  int64
	DiscountFen int64
	Covered     []bool
	Reason      string
}

func outcomes(t *testing.T, results []benefits.Result) []outcome {
	t.Helper()
	out := make([]outcome, len(results))
	for i, r := range results {
		out[i] = outcome{ProviderID: r.ProviderID, CoveredFen: r.CoveredFen,
			DiscountFen: r.DiscountFen, Covered: r.Covered, Reason: r.Reason}
		if r.Candidate != nil {
			out[i].PolicyID = r.Candidate.PolicyID
		}
		if (r.Candidate == nil) == (r.Reason == "") {
			t.Errorf("result %d: candidate %v with reason %q: want exactly one of them", i,
				r.Candidate, r.Reason)
		}
	}
	return out
}

// none is the outcome of an order of provider with n lines that gets no
// discount for reason.
func none(provider int64, n int, reason string) outcome {
	return outcome{ProviderID: provider, Covered: make([]bool, n), Reason: reason}
}

func TestApplyPricesOneOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		certified  bool
		candidates []benefits.Candidate
		order      benefits.Order
		want       outcome
	}{
		{
			name:       "rate rounds down to the fen",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1)},
			order:      order(7, line(hosts, 333)), // 99.9 fen
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 333, DiscountFen: 99,
				Covered: []bool{true}},
		},
		{
			name:       "rounding applies to the covered sum, not line by line",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1)},
			order:      order(7, line(hosts, 333), line(storage, 333)), // 199.8 fen
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 666, DiscountFen: 199,
				Covered: []bool{true, true}},
		},
		{
			name:       "odd rate",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, rate(3333))},
			order:      order(7, line(hosts, 100001)), // 33,330.3333 fen
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 100001, DiscountFen: 33330,
				Covered: []bool{true}},
		},
		{
			name:       "full rate discounts everything",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, rate(10000))},
			order:      order(7, line(hosts, 123456)),
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 123456, DiscountFen: 123456,
				Covered: []bool{true}},
		},
		{
			name:       "per-order cap",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1)},
			order:      order(7, line(hosts, 2000000)), // 30% = ¥6,000 > ¥5,000
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 2000000, DiscountFen: 500000,
				Covered: []bool{true}},
		},
		{
			name:       "remaining quota gives what is left",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, remaining(1234))},
			order:      order(7, line(hosts, 100000)),
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 100000, DiscountFen: 1234,
				Covered: []bool{true}},
		},
		{
			name:       "smallest of rate, cap and remaining",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, capFen(700), remaining(800))},
			order:      order(7, line(hosts, 3000)), // 900
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 3000, DiscountFen: 700,
				Covered: []bool{true}},
		},
		{
			name:       "only covered lines count",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, covering(mail))},
			order:      order(7, line(hosts, 100000), line(mail, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 10000, DiscountFen: 3000,
				Covered: []bool{false, true}},
		},
		{
			name:       "a top-level category covers its children",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, covering(cloudInfra))},
			order:      order(7, line(hosts, 1000), line(storage, 2000), line(mail, 4000)),
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 3000, DiscountFen: 900,
				Covered: []bool{true, true, false}},
		},
		{
			name:       "a second-level category covers only itself",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, covering(hosts))},
			order:      order(7, line(storage, 1000)),
			want:       none(7, 1, benefits.ReasonCategoryNotCovered),
		},
		{
			name:       "no line covered",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, covering(cloudApps))},
			order:      order(7, line(hosts, 1000), line(storage, 1000)),
			want:       none(7, 2, benefits.ReasonCategoryNotCovered),
		},
		{
			name:       "closed or expired policy",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, closed)},
			order:      order(7, line(hosts, 1000)),
			want:       none(7, 1, benefits.ReasonPolicyExpired),
		},
		{
			name:       "not certified",
			certified:  false,
			candidates: []benefits.Candidate{benefit(1)},
			order:      order(7, line(hosts, 1000)),
			want:       none(7, 1, benefits.ReasonNotCertified),
		},
		{
			name:      "no claimed benefit",
			certified: true,
			order:     order(7, line(hosts, 1000)),
			want:      none(7, 1, benefits.ReasonNoBenefit),
		},
		{
			name:       "quota used up",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, remaining(0))},
			order:      order(7, line(hosts, 1000)),
			want:       none(7, 1, benefits.ReasonQuotaUsedUp),
		},

		// Precedence: not_certified, no_benefit, policy_expired,
		// category_not_covered, quota_used_up.
		{
			name:      "not certified before no benefit",
			certified: false,
			order:     order(7, line(hosts, 1000)),
			want:      none(7, 1, benefits.ReasonNotCertified),
		},
		{
			name:      "not certified before everything else",
			certified: false,
			candidates: []benefits.Candidate{benefit(1, closed, covering(mail), remaining(0)),
				benefit(2, covering(mail), remaining(0))},
			order: order(7, line(hosts, 1000)),
			want:  none(7, 1, benefits.ReasonNotCertified),
		},
		{
			name:       "expired before not covered and used up",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, closed, covering(mail), remaining(0))},
			order:      order(7, line(hosts, 1000)),
			want:       none(7, 1, benefits.ReasonPolicyExpired),
		},
		{
			name:       "not covered before used up",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, covering(mail), remaining(0))},
			order:      order(7, line(hosts, 1000)),
			want:       none(7, 1, benefits.ReasonCategoryNotCovered),
		},
		{
			// Reasons are a funnel over the benefits as a whole: only when
			// every benefit has expired is the reason policy_expired.
			name:       "an expired benefit and a live one that does not cover",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, closed), benefit(2, covering(mail))},
			order:      order(7, line(hosts, 1000)),
			want:       none(7, 1, benefits.ReasonCategoryNotCovered),
		},
		{
			name:      "a live benefit used up and another that does not cover",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, covering(mail)),
				benefit(2, covering(hosts), remaining(0))},
			order: order(7, line(hosts, 1000)),
			want:  none(7, 1, benefits.ReasonQuotaUsedUp),
		},

		// Several benefits: the largest discount wins, never stacked.
		{
			name:       "larger rate wins",
			certified:  true,
			candidates: []benefits.Candidate{benefit(1, rate(2000)), benefit(2, rate(3000))},
			order:      order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 3000,
				Covered: []bool{true}},
		},
		{
			name:      "larger discount wins over larger rate",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, rate(5000), capFen(1000)),
				benefit(2, rate(2000))},
			order: order(7, line(hosts, 10000)), // 1,000 capped against 2,000
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 2000,
				Covered: []bool{true}},
		},
		{
			name:      "larger covered amount wins",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, covering(mail)),
				benefit(2, rate(2000), covering(cloudInfra))},
			order: order(7, line(mail, 1000), line(hosts, 5000), line(storage, 5000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 2000,
				Covered: []bool{false, true, true}},
		},
		{
			name:      "a live benefit is chosen over a better expired one",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, rate(9000), closed),
				benefit(2, rate(1000))},
			order: order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 1000,
				Covered: []bool{true}},
		},
		{
			name:      "a benefit with quota left is chosen over a used-up one",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, rate(9000), remaining(0)),
				benefit(2, rate(1000))},
			order: order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 1000,
				Covered: []bool{true}},
		},
		{
			name:      "tie goes to the policy expiring first",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, until(expiresLater)),
				benefit(2, until(expiresSoon))},
			order: order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 3000,
				Covered: []bool{true}},
		},
		{
			name:      "tie by amount, not by rate: capped at the same figure",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, rate(9000), capFen(500)),
				benefit(2, rate(1000), capFen(500), until(expiresSoon))},
			order: order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 10000, DiscountFen: 500,
				Covered: []bool{true}},
		},
		{
			name:       "tie on expiry goes to the lowest policy id",
			certified:  true,
			candidates: []benefits.Candidate{benefit(9), benefit(4), benefit(6)},
			order:      order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 4, CoveredFen: 10000, DiscountFen: 3000,
				Covered: []bool{true}},
		},
		{
			name:      "never stacked",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, remaining(100)),
				benefit(2, remaining(100))},
			order: order(7, line(hosts, 10000)),
			want: outcome{ProviderID: 7, PolicyID: 1, CoveredFen: 10000, DiscountFen: 100,
				Covered: []bool{true}},
		},
		{
			name:      "covered lines are those of the chosen policy",
			certified: true,
			candidates: []benefits.Candidate{benefit(1, covering(hosts)),
				benefit(2, covering(mail), rate(5000))},
			order: order(7, line(hosts, 1000), line(mail, 1000)),
			want: outcome{ProviderID: 7, PolicyID: 2, CoveredFen: 1000, DiscountFen: 500,
				Covered: []bool{false, true}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := outcomes(t, benefits.Apply(tc.certified, tc.candidates,
				[]benefits.Order{tc.order}))
			if diff := cmp.Diff([]outcome{tc.want}, got); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyServesOrdersByProvider(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		candidates []benefits.Candidate
		orders     []benefits.Order
		want       []outcome // in the order of the input
	}{
		{
			name:       "an earlier provider drains the quota a later one lacks",
			candidates: []benefits.Candidate{benefit(1, remaining(1000))},
			orders:     []benefits.Order{order(7, line(hosts, 2000)), order(3, line(hosts, 2000))},
			want: []outcome{
				{ProviderID: 7, PolicyID: 1, CoveredFen: 2000, DiscountFen: 400,
					Covered: []bool{true}},
				{ProviderID: 3, PolicyID: 1, CoveredFen: 2000, DiscountFen: 600,
					Covered: []bool{true}},
			},
		},
		{
			name:       "the same checkout in the other order prices the same",
			candidates: []benefits.Candidate{benefit(1, remaining(1000))},
			orders:     []benefits.Order{order(3, line(hosts, 2000)), order(7, line(hosts, 2000))},
			want: []outcome{
				{ProviderID: 3, PolicyID: 1, CoveredFen: 2000, DiscountFen: 600,
					Covered: []bool{true}},
				{ProviderID: 7, PolicyID: 1, CoveredFen: 2000, DiscountFen: 400,
					Covered: []bool{true}},
			},
		},
		{
			name:       "an order after the quota ran out",
			candidates: []benefits.Candidate{benefit(1, remaining(600))},
			orders: []benefits.Order{order(9, line(hosts, 2000)), order(5, line(hosts, 2000)),
				order(2, line(hosts, 2000))},
			want: []outcome{
				none(9, 1, benefits.ReasonQuotaUsedUp),
				none(5, 1, benefits.ReasonQuotaUsedUp),
				{ProviderID: 2, PolicyID: 1, CoveredFen: 2000, DiscountFen: 600,
					Covered: []bool{true}},
			},
		},
		{
			name: "a later order turns to the next best benefit",
			candidates: []benefits.Candidate{benefit(1, rate(5000), remaining(500)),
				benefit(2, rate(1000))},
			orders: []benefits.Order{order(8, line(hosts, 1000)), order(4, line(hosts, 1000))},
			want: []outcome{
				{ProviderID: 8, PolicyID: 2, CoveredFen: 1000, DiscountFen: 100,
					Covered: []bool{true}},
				{ProviderID: 4, PolicyID: 1, CoveredFen: 1000, DiscountFen: 500,
					Covered: []bool{true}},
			},
		},
		{
			name:       "each order has its own cap",
			candidates: []benefits.Candidate{benefit(1, capFen(500))},
			orders:     []benefits.Order{order(2, line(hosts, 10000)), order(1, line(hosts, 10000))},
			want: []outcome{
				{ProviderID: 2, PolicyID: 1, CoveredFen: 10000, DiscountFen: 500,
					Covered: []bool{true}},
				{ProviderID: 1, PolicyID: 1, CoveredFen: 10000, DiscountFen: 500,
					Covered: []bool{true}},
			},
		},
		{
			name:       "an uncovered order leaves the quota to the next",
			candidates: []benefits.Candidate{benefit(1, covering(hosts), remaining(300))},
			orders:     []benefits.Order{order(6, line(hosts, 1000)), order(1, line(mail, 1000))},
			want: []outcome{
				{ProviderID: 6, PolicyID: 1, CoveredFen: 1000, DiscountFen: 300,
					Covered: []bool{true}},
				none(1, 1, benefits.ReasonCategoryNotCovered),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := outcomes(t, benefits.Apply(true, tc.candidates, tc.orders))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
		})
	}
}

// Apply must not write to the candidates it is given: a quote and the
// order that follows price from the same figures.
func TestApplyLeavesCandidatesAlone(t *testing.T) {
	t.Parallel()
	candidates := []benefits.Candidate{benefit(1, remaining(1000)), benefit(2, rate(1000))}
	before := []benefits.Candidate{benefit(1, remaining(1000)), benefit(2, rate(1000))}
	benefits.Apply(true, candidates, []benefits.Order{order(1, line(hosts, 5000)),
		order(2, line(hosts, 5000))})
	if diff := cmp.Diff(before, candidates); diff != "" {
		t.Errorf("candidates changed (-before +after):\n%s", diff)
	}
}

func TestApplyHugeAmounts(t *testing.T) {
	t.Parallel()
	const huge = int64(1e16) // ¥100 trillion
	candidates := []benefits.Candidate{benefit(1, rate(10000), capFen(math.MaxInt64),
		remaining(math.MaxInt64))}
	got := outcomes(t, benefits.Apply(true, candidates,
		[]benefits.Order{order(1, line(hosts, huge))}))
	want := []outcome{{ProviderID: 1, PolicyID: 1, CoveredFen: huge, DiscountFen: huge,
		Covered: []bool{true}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply (-want +got):\n%s", diff)
	}
}

func TestPercentOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		amount int64
		rate   int
		want   int64
	}{
		{0, 3000, 0},
		{333, 3000, 99},
		{1, 9999, 0},
		{9999, 1, 0},
		{10000, 1, 1},
		{19999, 1, 1},
		{100001, 3333, 33330},
		{123456, 10000, 123456},
		{1e16, 3000, 3e15},
		{1e16, 10000, 1e16},
		{1e16 - 1, 9999, 9_998_999_999_999_999},
		{math.MaxInt64, 10000, math.MaxInt64},
	} {
		if got := benefits.PercentOf(tc.amount, tc.rate); got != tc.want {
			t.Errorf("PercentOf(%d, %d) = %d, want %d", tc.amount, tc.rate, got, tc.want)
		}
	}
}

// PercentOf agrees with exact arithmetic for amounts up to 1e16 fen at
// every rate, where a plain amount × rate would overflow.
func TestPercentOfIsExact(t *testing.T) {
	t.Parallel()
	amounts := []int64{1, 7, 9999, 10000, 10001, 333333333, 1e12 + 7, 1e15 - 1, 9_999_999_999_999_999,
		1e16}
	for a := int64(3); a < 1e16; a = a*7 + 1 {
		amounts = append(amounts, a)
	}
	rates := []int{1, 2, 999, 1000, 2500, 3000, 3333, 5000, 7777, 9999, 10000}
	for _, a := range amounts {
		for _, r := range rates {
			exact := new(big.Int).Mul(big.NewInt(a), big.NewInt(int64(r)))
			exact.Quo(exact, big.NewInt(10000))
			if got := benefits.PercentOf(a, r); got != exact.Int64() {
				t.Errorf("PercentOf(%d, %d) = %d, want %s", a, r, got, exact)
			}
		}
	}
}
