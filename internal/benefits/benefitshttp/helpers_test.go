package benefitshttp_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// The wire shapes the tests read, decoded independently of the package's
// own types so that a renamed field shows up as a failure.

type policy struct {
	ID                    int64    `json:"id"`
	Name                  string   `json:"name"`
	Description           string   `json:"description"`
	DiscountRate          int      `json:"discount_rate"`
	PerOrderCapFen        int64    `json:"per_order_cap_fen"`
	PerEnterpriseQuotaFen int64    `json:"per_enterprise_quota_fen"`
	TotalBudgetFen        int64    `json:"total_budget_fen"`
	CategoryIDs           []int64  `json:"category_ids"`
	RegionCodes           []string `json:"region_codes"`
	ValidFrom             string   `json:"valid_from"`
	ValidUntil            string   `json:"valid_until"`
	Status                string   `json:"status"`
	Version               int      `json:"version"`
	BudgetClaimedFen      *int64   `json:"budget_claimed_fen"`
	BudgetReservedFen     *int64   `json:"budget_reserved_fen"`
	BudgetUsedFen         *int64   `json:"budget_used_fen"`
	BudgetRemainingFen    *int64   `json:"budget_remaining_fen"`
	Beneficiaries         *int     `json:"beneficiaries"`
}

// budget is the part of a policy only admins see.
type budget struct {
	ClaimedFen, ReservedFen, UsedFen, RemainingFen int64
	Beneficiaries                                  int
}

// budget returns the admin figures of p, failing when one is missing.
func (p policy) budget(t *testing.T) budget {
	t.Helper()
	if p.BudgetClaimedFen == nil || p.BudgetReservedFen == nil || p.BudgetUsedFen == nil ||
		p.BudgetRemainingFen == nil || p.Beneficiaries == nil {
		t.Fatalf("policy %d lacks its budget figures: %+v", p.ID, p)
	}
	return budget{*p.BudgetClaimedFen, *p.BudgetReservedFen, *p.BudgetUsedFen,
		*p.BudgetRemainingFen, *p.Beneficiaries}
}

type benefit struct {
	ID           int64  `json:"id"`
	PolicyID     int64  `json:"policy_id"`
	QuotaFen     int64  `json:"quota_fen"`
	ReservedFen  int64  `json:"reserved_fen"`
	UsedFen      int64  `json:"used_fen"`
	RemainingFen int64  `json:"remaining_fen"`
	ClaimedAt    string `json:"claimed_at"`
	Policy       policy `json:"policy"`
}

type overview struct {
	Offers   []policy  `json:"offers"`
	Claimed  []benefit `json:"claimed"`
	Declined []policy  `json:"declined"`
}

// ids lists, in order, the policies an overview offers, holds and was
// declined.
type ids struct {
	Offers, Claimed, Declined []int64
}

func (o overview) ids() ids {
	got := ids{Offers: []int64{}, Claimed: []int64{}, Declined: []int64{}}
	for _, p := range o.Offers {
		got.Offers = append(got.Offers, p.ID)
	}
	for _, b := range o.Claimed {
		got.Claimed = append(got.Claimed, b.PolicyID)
	}
	for _, p := range o.Declined {
		got.Declined = append(got.Declined, p.ID)
	}
	return got
}

type prompt struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	PolicyID *int64 `json:"policy_id"`
}

type profile struct {
	ID       int64 `json:"id"`
	Benefits struct {
		Offers   int `json:"offers"`
		Claimed  int `json:"claimed"`
		Declined int `json:"declined"`
	} `json:"benefits"`
	Prompts []prompt `json:"prompts"`
}

// offerPrompts returns the policy ids of the benefit_offer prompts.
func (p profile) offerPrompts(t *testing.T) []int64 {
	t.Helper()
	out := []int64{}
	for _, pr := range p.Prompts {
		if pr.Code != "benefit_offer" {
			continue
		}
		if pr.PolicyID == nil || pr.Message == "" {
			t.Fatalf("benefit_offer prompt without policy id or message: %+v", pr)
		}
		out = append(out, *pr.PolicyID)
	}
	slices.Sort(out)
	return out
}

// counts is the benefits block of a profile as [offers, claimed, declined].
func (p profile) counts() [3]int {
	return [3]int{p.Benefits.Offers, p.Benefits.Claimed, p.Benefits.Declined}
}

// world is a running server with an admin.
type world struct {
	s     *testkit.Server
	admin testkit.User
}

func newWorld(t *testing.T, driver string) *world {
	t.Helper()
	s := testkit.NewServer(t, driver)
	return &world{s: s, admin: s.NewUser(t, auth.RoleAdmin)}
}

// as returns a client of w signed in as u.
func (w *world) as(t *testing.T, u testkit.User) *testkit.Client {
	return w.s.Client(t).As(u.Access)
}

// certified makes an enterprise in region (default 410102) and certifies
// it.
func (w *world) certified(t *testing.T, region ...string) testkit.User {
	t.Helper()
	u := w.s.NewUser(t, auth.RoleEnterprise, region...)
	w.s.Certify(t, u)
	return u
}

// policy reads a policy as the admin.
func (w *world) policy(t *testing.T, id int64) policy {
	t.Helper()
	var p policy
	w.as(t, w.admin).Do("GET", fmt.Sprintf("/api/v1/admin/policies/%d", id), nil).
		Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// verify checks that every balance matches the ledger.
func (w *world) verify(t *testing.T) {
	t.Helper()
	if err := w.s.App.Benefits.Verify(t.Context()); err != nil {
		t.Errorf("ledger check: %v", err)
	}
}

func claim(c *testkit.Client, id int64) *testkit.Response {
	return c.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", id), nil)
}

func decline(c *testkit.Client, id int64) *testkit.Response {
	return c.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/decline", id),
		map[string]any{"confirm": true})
}

func overviewOf(t *testing.T, c *testkit.Client) overview {
	t.Helper()
	var o overview
	c.Do("GET", "/api/v1/benefits", nil).Expect(t, http.StatusOK).Decode(t, &o)
	return o
}

func profileOf(t *testing.T, c *testkit.Client) profile {
	t.Helper()
	var p profile
	c.Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// fields returns the sorted field names of a 422 problem.
func fields(p testkit.Problem) []string {
	out := []string{}
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

func ptr[T any](v T) *T { return &v }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
