package benefitshttp_test

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// policyBody is a valid new policy over categories: 30%, ¥5,000 an order,
// ¥10,000 an enterprise, ¥1,000,000 in all, Zhengzhou, live at the test
// clock (2026-12-03).
func policyBody(categories ...int64) map[string]any {
	if categories == nil {
		categories = []int64{}
	}
	return map[string]any{
		"name": "郑州市企业上云补贴", "description": "面向郑州市中小企业",
		"discount_rate": 3000, "per_order_cap_fen": 500000,
		"per_enterprise_quota_fen": 1000000, "total_budget_fen": 100000000,
		"category_ids": categories, "region_codes": []string{"410100"},
		"valid_from": "2026-12-01T08:00:00+08:00", "valid_until": "2027-12-01T08:00:00+08:00",
	}
}

// with returns a copy of body with the changes applied; a nil value
// removes the key.
func with(body map[string]any, changes map[string]any) map[string]any {
	out := maps.Clone(body)
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func (w *world) createPolicy(t *testing.T, body map[string]any) policy {
	t.Helper()
	var p policy
	w.as(t, w.admin).Do("POST", "/api/v1/admin/policies", body).
		Expect(t, http.StatusCreated).Decode(t, &p)
	return p
}

func (w *world) act(t *testing.T, id int64, action string, want int) policy {
	t.Helper()
	var p policy
	r := w.as(t, w.admin).Do("POST", fmt.Sprintf("/api/v1/admin/policies/%d/%s", id, action), nil)
	if want != http.StatusOK {
		r.ExpectProblem(t, want, map[int]string{http.StatusConflict: "invalid_transition",
			http.StatusNotFound: "not_found"}[want])
		return p
	}
	r.Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

func (w *world) patch(t *testing.T, id int64, body map[string]any) *testkit.Response {
	return w.as(t, w.admin).Do("PATCH", fmt.Sprintf("/api/v1/admin/policies/%d", id), body)
}

func TestPolicyAdministration(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		top, leaf := w.s.Category(t)

		t.Run("create", func(t *testing.T) {
			t.Parallel()
			got := w.createPolicy(t, policyBody(top, leaf))
			zero, total := int64(0), int64(100000000)
			want := policy{ID: got.ID, Name: "郑州市企业上云补贴", Description: "面向郑州市中小企业",
				DiscountRate: 3000, PerOrderCapFen: 500000, PerEnterpriseQuotaFen: 1000000,
				TotalBudgetFen: total, CategoryIDs: []int64{top, leaf},
				RegionCodes: []string{"410100"}, ValidFrom: "2026-12-01T00:00:00Z",
				ValidUntil: "2027-12-01T00:00:00Z", Status: "draft", Version: 1,
				BudgetClaimedFen: &zero, BudgetReservedFen: &zero, BudgetUsedFen: &zero,
				BudgetRemainingFen: &total, Beneficiaries: ptr(0)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("created policy (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, w.policy(t, got.ID)); diff != "" {
				t.Errorf("policy read back (-want +got):\n%s", diff)
			}

			// Lists are sets: the answer is what a later read gives.
			var set policy
			w.as(t, w.admin).Do("POST", "/api/v1/admin/policies", with(policyBody(), map[string]any{
				"category_ids": []int64{leaf, top, leaf},
				"region_codes": []string{"410200", "410100", "410200"}})).
				Expect(t, http.StatusCreated).Decode(t, &set)
			if diff := cmp.Diff(w.policy(t, set.ID), set); diff != "" {
				t.Errorf("created with repeats (-read back +answer):\n%s", diff)
			}
			if !cmp.Equal([]int64{top, leaf}, set.CategoryIDs) ||
				!cmp.Equal([]string{"410100", "410200"}, set.RegionCodes) {
				t.Errorf("created with repeats: %v, %v", set.CategoryIDs, set.RegionCodes)
			}

			// Empty lists cover everything and come back as [].
			all := w.createPolicy(t, with(policyBody(), map[string]any{"region_codes": []string{},
				"description": nil}))
			if all.CategoryIDs == nil || len(all.CategoryIDs) != 0 || all.RegionCodes == nil ||
				len(all.RegionCodes) != 0 || all.Description != "" {
				t.Errorf("policy over everything: %+v", all)
			}
		})

		t.Run("validation", func(t *testing.T) {
			t.Parallel()
			c := w.as(t, w.admin)
			base := policyBody(leaf)
			for _, tc := range []struct {
				name    string
				changes map[string]any
				want    []string
			}{
				{"rate 0", map[string]any{"discount_rate": 0}, []string{"discount_rate"}},
				{"rate above 100%", map[string]any{"discount_rate": 10001}, []string{"discount_rate"}},
				{"negative rate", map[string]any{"discount_rate": -3000}, []string{"discount_rate"}},
				{"cap 0", map[string]any{"per_order_cap_fen": 0}, []string{"per_order_cap_fen"}},
				{"negative cap", map[string]any{"per_order_cap_fen": -1}, []string{"per_order_cap_fen"}},
				{"quota 0", map[string]any{"per_enterprise_quota_fen": 0},
					[]string{"per_enterprise_quota_fen"}},
				{"negative quota", map[string]any{"per_enterprise_quota_fen": -100},
					[]string{"per_enterprise_quota_fen"}},
				{"budget 0", map[string]any{"total_budget_fen": 0}, []string{"total_budget_fen"}},
				{"negative budget", map[string]any{"total_budget_fen": -5}, []string{"total_budget_fen"}},
				{"absurd budget", map[string]any{"total_budget_fen": int64(1e17)},
					[]string{"total_budget_fen"}},
				{"unknown region", map[string]any{"region_codes": []string{"410100", "999999"}},
					[]string{"region_codes"}},
				{"region of another province", map[string]any{"region_codes": []string{"110101"}},
					[]string{"region_codes"}},
				{"unknown category", map[string]any{"category_ids": []int64{leaf, 99999999}},
					[]string{"category_ids"}},
				{"ends when it starts", map[string]any{"valid_until": "2026-12-01T08:00:00+08:00"},
					[]string{"valid_until"}},
				{"ends before it starts", map[string]any{"valid_until": "2026-11-01T00:00:00Z"},
					[]string{"valid_until"}},
				{"name too short", map[string]any{"name": "补"}, []string{"name"}},
				{"blank name", map[string]any{"name": "   "}, []string{"name"}},
				{"name too long", map[string]any{"name": strings.Repeat("政", 101)}, []string{"name"}},
				{"description too long", map[string]any{"description": strings.Repeat("述", 5001)},
					[]string{"description"}},
				{"several at once", map[string]any{"discount_rate": 0, "total_budget_fen": 0},
					[]string{"discount_rate", "total_budget_fen"}},
				{"empty body", map[string]any{"name": nil, "description": nil, "discount_rate": nil,
					"per_order_cap_fen": nil, "per_enterprise_quota_fen": nil,
					"total_budget_fen": nil, "category_ids": nil, "region_codes": nil,
					"valid_from": nil, "valid_until": nil},
					[]string{"discount_rate", "name", "per_enterprise_quota_fen", "per_order_cap_fen",
						"total_budget_fen", "valid_from", "valid_until"}},
			} {
				p := c.Do("POST", "/api/v1/admin/policies", with(base, tc.changes)).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if diff := cmp.Diff(tc.want, fields(p)); diff != "" {
					t.Errorf("%s: fields (-want +got):\n%s", tc.name, diff)
				}
			}
			for _, required := range []string{"name", "discount_rate", "per_order_cap_fen",
				"per_enterprise_quota_fen", "total_budget_fen", "valid_from", "valid_until"} {
				p := c.Do("POST", "/api/v1/admin/policies", with(base, map[string]any{required: nil})).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if diff := cmp.Diff([]string{required}, fields(p)); diff != "" {
					t.Errorf("without %s: fields (-want +got):\n%s", required, diff)
				}
			}
			c.Do("POST", "/api/v1/admin/policies", `{"name": "政策", "discount_rate": "30%"}`).
				ExpectProblem(t, http.StatusBadRequest, "malformed_body")
		})

		t.Run("a draft may change anything", func(t *testing.T) {
			t.Parallel()
			p := w.createPolicy(t, policyBody(leaf))
			change := map[string]any{"name": "开封市补贴", "description": "新说明",
				"discount_rate": 5000, "per_order_cap_fen": 100000,
				"per_enterprise_quota_fen": 200000, "total_budget_fen": 300000,
				"category_ids": []int64{top}, "region_codes": []string{"410200", "410102"},
				"valid_from": "2027-01-01T00:00:00Z", "valid_until": "2027-02-01T00:00:00Z"}
			var got policy
			w.patch(t, p.ID, change).Expect(t, http.StatusOK).Decode(t, &got)
			want := p
			want.Name, want.Description, want.DiscountRate = "开封市补贴", "新说明", 5000
			want.PerOrderCapFen, want.PerEnterpriseQuotaFen, want.TotalBudgetFen = 100000, 200000,
				300000
			want.CategoryIDs, want.RegionCodes = []int64{top}, []string{"410102", "410200"}
			want.ValidFrom, want.ValidUntil = "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"
			want.BudgetRemainingFen = ptr(int64(300000))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("edited draft (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, w.policy(t, p.ID)); diff != "" {
				t.Errorf("edited draft read back (-want +got):\n%s", diff)
			}

			// Absent fields stay; empty lists widen to everything.
			w.patch(t, p.ID, map[string]any{"category_ids": []int64{}}).
				Expect(t, http.StatusOK).Decode(t, &got)
			if len(got.CategoryIDs) != 0 || got.Name != "开封市补贴" || len(got.RegionCodes) != 2 {
				t.Errorf("after clearing categories: %+v", got)
			}
			p2 := w.patch(t, p.ID, map[string]any{"discount_rate": 0}).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if diff := cmp.Diff([]string{"discount_rate"}, fields(p2)); diff != "" {
				t.Errorf("draft edit fields (-want +got):\n%s", diff)
			}
			w.patch(t, p.ID, map[string]any{"valid_until": "2026-12-31T00:00:00Z"}).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if got := w.policy(t, p.ID); got.DiscountRate != 5000 ||
				got.ValidUntil != "2027-02-01T00:00:00Z" {
				t.Errorf("a refused edit changed the policy: %+v", got)
			}
			w.patch(t, 99999999, map[string]any{"description": "无"}).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			w.as(t, w.admin).Do("GET", "/api/v1/admin/policies/99999999", nil).
				ExpectProblem(t, http.StatusNotFound, "not_found")
		})

		t.Run("lifecycle", func(t *testing.T) {
			t.Parallel()
			p := w.createPolicy(t, policyBody(leaf))
			w.act(t, p.ID, "close", http.StatusConflict) // a draft cannot close
			if got := w.act(t, p.ID, "activate", http.StatusOK); got.Status != "active" ||
				got.Version != 1 {
				t.Errorf("activated: %+v", got)
			}
			w.act(t, p.ID, "activate", http.StatusConflict)

			// An active policy keeps its terms: every other field is refused,
			// and the policy stays as it was.
			for _, tc := range []struct {
				change map[string]any
				want   string
			}{
				{map[string]any{"discount_rate": 2000}, "discount_rate"},
				{map[string]any{"total_budget_fen": 99999999}, "total_budget_fen"},
				{map[string]any{"name": "新名称"}, "name"},
				{map[string]any{"per_order_cap_fen": 1}, "per_order_cap_fen"},
				{map[string]any{"per_enterprise_quota_fen": 1}, "per_enterprise_quota_fen"},
				{map[string]any{"category_ids": []int64{}}, "category_ids"},
				{map[string]any{"region_codes": []string{}}, "region_codes"},
				{map[string]any{"valid_from": "2026-11-01T00:00:00Z"}, "valid_from"},
				{map[string]any{"valid_until": "2026-11-01T00:00:00Z"}, "valid_until"},
			} {
				prob := w.patch(t, p.ID, tc.change).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if diff := cmp.Diff([]string{tc.want}, fields(prob)); diff != "" {
					t.Errorf("active edit %v: fields (-want +got):\n%s", tc.change, diff)
				}
			}
			if got := w.policy(t, p.ID); got.Version != 1 || got.DiscountRate != 3000 ||
				got.TotalBudgetFen != 100000000 || got.ValidUntil != "2027-12-01T00:00:00Z" {
				t.Errorf("refused edits changed the policy: %+v", got)
			}

			// What may change raises the version each time.
			for i, tc := range []struct {
				change map[string]any
				check  func(policy) bool
			}{
				{map[string]any{"description": "延长至年底"},
					func(p policy) bool { return p.Description == "延长至年底" }},
				{map[string]any{"valid_until": "2028-01-01T00:00:00Z"},
					func(p policy) bool { return p.ValidUntil == "2028-01-01T00:00:00Z" }},
				{map[string]any{"total_budget_fen": 150000000},
					func(p policy) bool {
						return p.TotalBudgetFen == 150000000 && *p.BudgetRemainingFen == 150000000
					}},
				{map[string]any{"description": "再次追加", "total_budget_fen": 200000000},
					func(p policy) bool {
						return p.Description == "再次追加" && p.TotalBudgetFen == 200000000
					}},
			} {
				var got policy
				w.patch(t, p.ID, tc.change).Expect(t, http.StatusOK).Decode(t, &got)
				if got.Version != i+2 || got.Status != "active" || !tc.check(got) {
					t.Errorf("after %v: version %d, want %d; %+v", tc.change, got.Version, i+2, got)
				}
				if again := w.policy(t, p.ID); again.Version != i+2 || !tc.check(again) {
					t.Errorf("after %v, read back: %+v", tc.change, again)
				}
			}

			closed := w.act(t, p.ID, "close", http.StatusOK)
			if closed.Status != "closed" || closed.Version != 5 {
				t.Errorf("closed: %+v", closed)
			}
			prob := w.patch(t, p.ID, map[string]any{"description": "已结束"})
			prob.ExpectProblem(t, http.StatusConflict, "invalid_transition")
			var extra struct {
				CurrentStatus string `json:"current_status"`
			}
			prob.Decode(t, &extra)
			if extra.CurrentStatus != "closed" {
				t.Errorf("invalid_transition names status %q, want closed", extra.CurrentStatus)
			}
			w.act(t, p.ID, "activate", http.StatusConflict)
			w.act(t, p.ID, "close", http.StatusConflict)
			if got := w.policy(t, p.ID); got.Status != "closed" || got.Description != "再次追加" {
				t.Errorf("closed policy changed: %+v", got)
			}
			w.act(t, 99999999, "activate", http.StatusNotFound)
		})

		t.Run("list", func(t *testing.T) {
			t.Parallel()
			draft := w.createPolicy(t, policyBody())
			active := w.createPolicy(t, policyBody())
			w.act(t, active.ID, "activate", http.StatusOK)
			closed := w.createPolicy(t, policyBody())
			w.act(t, closed.ID, "activate", http.StatusOK)
			w.act(t, closed.ID, "close", http.StatusOK)
			mine := map[int64]string{draft.ID: "draft", active.ID: "active", closed.ID: "closed"}

			// Other subtests add policies too: look only at these three, and
			// check that a filter lets through nothing else.
			list := func(t *testing.T, query string) map[int64]string {
				t.Helper()
				var ps []policy
				w.as(t, w.admin).Do("GET", "/api/v1/admin/policies"+query, nil).
					Expect(t, http.StatusOK).Decode(t, &ps)
				got := map[int64]string{}
				for i, p := range ps {
					if i > 0 && p.ID >= ps[i-1].ID {
						t.Errorf("GET %s not newest first: %d after %d", query, p.ID, ps[i-1].ID)
					}
					if p.BudgetRemainingFen == nil {
						t.Errorf("GET %s: policy %d without budget figures", query, p.ID)
					}
					if _, ok := mine[p.ID]; ok {
						got[p.ID] = p.Status
					}
				}
				return got
			}
			if diff := cmp.Diff(mine, list(t, "")); diff != "" {
				t.Errorf("unfiltered (-want +got):\n%s", diff)
			}
			for id, status := range mine {
				want := map[int64]string{id: status}
				if diff := cmp.Diff(want, list(t, "?status="+status)); diff != "" {
					t.Errorf("status=%s (-want +got):\n%s", status, diff)
				}
			}
			var all []policy
			w.as(t, w.admin).Do("GET", "/api/v1/admin/policies?status=active", nil).
				Expect(t, http.StatusOK).Decode(t, &all)
			for _, p := range all {
				if p.Status != "active" {
					t.Errorf("status=active lists %d, %s", p.ID, p.Status)
				}
			}
			prob := w.as(t, w.admin).Do("GET", "/api/v1/admin/policies?status=open", nil, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if diff := cmp.Diff([]string{"status"}, fields(prob)); diff != "" {
				t.Errorf("bad filter fields (-want +got):\n%s", diff)
			}
		})

		t.Run("admins only", func(t *testing.T) {
			t.Parallel()
			ent := w.s.NewUser(t, auth.RoleEnterprise)
			w.as(t, ent).Do("POST", "/api/v1/admin/policies", policyBody()).
				ExpectProblem(t, http.StatusForbidden, "forbidden")
		})
	})
}
