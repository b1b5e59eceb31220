package benefitshttp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// inCity makes an active policy covering only city.
func (w *world) inCity(t *testing.T, city string, in testkit.Policy) int64 {
	t.Helper()
	in.RegionCodes = &[]string{city}
	return w.s.ActivePolicy(t, in)
}

// The scenarios share one server. Each keeps to a city of its own, with
// policies covering only that city, so that none sees another's offers.
func TestClaims(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)

		t.Run("certification opens offers", func(t *testing.T) {
			t.Parallel()
			id := w.inCity(t, "410300", testkit.Policy{}) // 洛阳市
			ent := w.s.NewUser(t, auth.RoleEnterprise, "410302")
			c := w.as(t, ent)

			none := ids{Offers: []int64{}, Claimed: []int64{}, Declined: []int64{}}
			if diff := cmp.Diff(none, overviewOf(t, c).ids()); diff != "" {
				t.Errorf("uncertified overview (-want +got):\n%s", diff)
			}
			me := profileOf(t, c)
			if me.counts() != [3]int{} || len(me.offerPrompts(t)) != 0 {
				t.Errorf("uncertified profile: %+v", me)
			}
			claim(c, id).ExpectProblem(t, http.StatusForbidden, "certification_required")
			decline(c, id).ExpectProblem(t, http.StatusForbidden, "certification_required")

			w.s.Certify(t, ent)
			o := overviewOf(t, c)
			if diff := cmp.Diff(ids{Offers: []int64{id}, Claimed: []int64{}, Declined: []int64{}},
				o.ids()); diff != "" {
				t.Errorf("certified overview (-want +got):\n%s", diff)
			}
			if off := o.Offers[0]; off.PerEnterpriseQuotaFen != 1000000 || off.Status != "active" ||
				off.DiscountRate != 3000 || off.BudgetClaimedFen != nil {
				t.Errorf("offer %+v", off)
			}
			hidesBudget(t, c)
			me = profileOf(t, c)
			if diff := cmp.Diff([]int64{id}, me.offerPrompts(t)); diff != "" {
				t.Errorf("benefit_offer prompts (-want +got):\n%s", diff)
			}
			if me.counts() != [3]int{1, 0, 0} {
				t.Errorf("benefit counts %v, want 1 offer", me.counts())
			}
			var session struct {
				Prompts []prompt `json:"prompts"`
			}
			w.s.Client(t).Do("POST", "/api/v1/auth/login",
				map[string]string{"login": ent.Username, "password": ent.Password}).
				Expect(t, http.StatusOK).Decode(t, &session)
			got := profile{Prompts: session.Prompts}.offerPrompts(t)
			if diff := cmp.Diff([]int64{id}, got); diff != "" {
				t.Errorf("sign-in benefit_offer prompts (-want +got):\n%s", diff)
			}

			var b benefit
			claim(c, id).Expect(t, http.StatusOK).Decode(t, &b)
			if b.PolicyID != id || b.QuotaFen != 1000000 || b.ReservedFen != 0 || b.UsedFen != 0 ||
				b.RemainingFen != 1000000 || b.ClaimedAt == "" || b.Policy.ID != id ||
				b.Policy.BudgetClaimedFen != nil {
				t.Errorf("claimed %+v", b)
			}
			claim(c, id).ExpectProblem(t, http.StatusConflict, "already_claimed")
			decline(c, id).ExpectProblem(t, http.StatusConflict, "already_claimed")

			o = overviewOf(t, c)
			if diff := cmp.Diff(ids{Offers: []int64{}, Claimed: []int64{id}, Declined: []int64{}},
				o.ids()); diff != "" {
				t.Errorf("overview after claiming (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(b, o.Claimed[0]); diff != "" {
				t.Errorf("listed benefit (-claim answer +list):\n%s", diff)
			}
			me = profileOf(t, c)
			if me.counts() != [3]int{0, 1, 0} || len(me.offerPrompts(t)) != 0 {
				t.Errorf("profile after claiming: %+v", me)
			}
			want := budget{ClaimedFen: 1000000, RemainingFen: 99000000, Beneficiaries: 1}
			if diff := cmp.Diff(want, w.policy(t, id).budget(t)); diff != "" {
				t.Errorf("policy budget (-want +got):\n%s", diff)
			}
			w.verify(t)
		})

		t.Run("decline is final", func(t *testing.T) {
			t.Parallel()
			first := w.inCity(t, "410400", testkit.Policy{}) // 平顶山市
			second := w.inCity(t, "410400", testkit.Policy{})
			c := w.as(t, w.certified(t, "410402"))

			for _, body := range []any{map[string]any{}, map[string]any{"confirm": false}} {
				p := c.Do("POST", "/api/v1/benefits/"+itoa(first)+"/decline", body).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if diff := cmp.Diff([]string{"confirm"}, fields(p)); diff != "" {
					t.Errorf("decline %v: fields (-want +got):\n%s", body, diff)
				}
			}
			if got := overviewOf(t, c).ids(); !cmp.Equal([]int64{first, second}, got.Offers) {
				t.Errorf("an unconfirmed decline took effect: %+v", got)
			}

			var p policy
			decline(c, first).Expect(t, http.StatusOK).Decode(t, &p)
			if p.ID != first || p.Status != "active" || p.BudgetClaimedFen != nil {
				t.Errorf("declined %+v", p)
			}
			claim(c, first).ExpectProblem(t, http.StatusConflict, "offer_declined")
			decline(c, first).ExpectProblem(t, http.StatusConflict, "offer_declined")

			want := ids{Offers: []int64{second}, Claimed: []int64{}, Declined: []int64{first}}
			if diff := cmp.Diff(want, overviewOf(t, c).ids()); diff != "" {
				t.Errorf("overview after declining (-want +got):\n%s", diff)
			}
			me := profileOf(t, c)
			if me.counts() != [3]int{1, 0, 1} || !cmp.Equal([]int64{second}, me.offerPrompts(t)) {
				t.Errorf("profile after declining: %+v", me)
			}
			if diff := cmp.Diff(budget{RemainingFen: 100000000},
				w.policy(t, first).budget(t)); diff != "" {
				t.Errorf("declined policy's budget (-want +got):\n%s", diff)
			}
			w.verify(t)
		})

		t.Run("budget", func(t *testing.T) {
			t.Parallel()
			// 安阳市: ¥10,000 an enterprise out of ¥15,000, and out of ¥3,000.
			wide := w.inCity(t, "410500", testkit.Policy{TotalBudgetFen: ptr(int64(1500000))})
			narrow := w.inCity(t, "410500", testkit.Policy{TotalBudgetFen: ptr(int64(300000))})
			a, b := w.as(t, w.certified(t, "410502")), w.as(t, w.certified(t, "410502"))

			quota := func(t *testing.T, c *testkit.Client, id int64) int64 {
				t.Helper()
				var got benefit
				claim(c, id).Expect(t, http.StatusOK).Decode(t, &got)
				if got.RemainingFen != got.QuotaFen || got.ReservedFen != 0 || got.UsedFen != 0 {
					t.Errorf("fresh benefit %+v", got)
				}
				return got.QuotaFen
			}
			if got := quota(t, a, wide); got != 1000000 {
				t.Errorf("first quota %d, want the full 1000000", got)
			}
			if got := quota(t, b, wide); got != 500000 {
				t.Errorf("second quota %d, want the 500000 left", got)
			}
			want := budget{ClaimedFen: 1500000, RemainingFen: 0, Beneficiaries: 2}
			if diff := cmp.Diff(want, w.policy(t, wide).budget(t)); diff != "" {
				t.Errorf("shared-out budget (-want +got):\n%s", diff)
			}

			if got := quota(t, a, narrow); got != 300000 {
				t.Errorf("quota of a budget under the quota %d, want all 300000", got)
			}
			claim(b, narrow).ExpectProblem(t, http.StatusConflict, "budget_exhausted")
			if got := overviewOf(t, b).ids().Claimed; !cmp.Equal([]int64{wide}, got) {
				t.Errorf("b holds %v after a refused claim, want only %d", got, wide)
			}

			// Topping up the budget opens claims again.
			w.patch(t, narrow, map[string]any{"total_budget_fen": 500000}).Expect(t, http.StatusOK)
			if got := quota(t, b, narrow); got != 200000 {
				t.Errorf("quota after the top-up %d, want 200000", got)
			}
			want = budget{ClaimedFen: 500000, RemainingFen: 0, Beneficiaries: 2}
			if diff := cmp.Diff(want, w.policy(t, narrow).budget(t)); diff != "" {
				t.Errorf("budget after the top-up (-want +got):\n%s", diff)
			}
			w.verify(t)
		})

		t.Run("concurrent claims share the budget", func(t *testing.T) {
			t.Parallel()
			// 鹤壁市: two claims of ¥10,000 race for ¥12,000.
			id := w.inCity(t, "410600", testkit.Policy{TotalBudgetFen: ptr(int64(1200000))})
			users := []testkit.User{w.certified(t, "410602"), w.certified(t, "410602")}

			// Goroutines rather than parallel subtests, which may wait for
			// a free slot and so run one after the other.
			start := make(chan struct{})
			answers := make([]rawAnswer, len(users))
			var wg sync.WaitGroup
			for i, u := range users {
				wg.Go(func() {
					<-start
					answers[i] = rawClaim(w.s.URL, u.Access, id)
				})
			}
			close(start)
			wg.Wait()
			quotas := []int64{}
			for _, a := range answers {
				if a.err != nil || a.status != http.StatusOK {
					t.Fatalf("claim answered %d, %v", a.status, a.err)
				}
				quotas = append(quotas, a.quota)
			}
			slices.Sort(quotas)
			if diff := cmp.Diff([]int64{200000, 1000000}, quotas); diff != "" {
				t.Errorf("quotas (-want +got):\n%s", diff)
			}
			want := budget{ClaimedFen: 1200000, RemainingFen: 0, Beneficiaries: 2}
			if diff := cmp.Diff(want, w.policy(t, id).budget(t)); diff != "" {
				t.Errorf("budget (-want +got):\n%s", diff)
			}
			w.verify(t)
		})

		// The clock moves here; the other scenarios do not mind two minutes.
		t.Run("a policy must be live", func(t *testing.T) {
			t.Parallel()
			const city = "410800" // 焦作市
			now := w.s.Clock.Now()
			c := w.as(t, w.certified(t, "410802"))

			closing := w.inCity(t, city, testkit.Policy{})
			held := w.inCity(t, city, testkit.Policy{})
			claim(c, held).Expect(t, http.StatusOK)
			w.act(t, closing, "close", http.StatusOK)
			w.act(t, held, "close", http.StatusOK)
			future := w.inCity(t, city, testkit.Policy{ValidFrom: ptr(now.Add(time.Hour)),
				ValidUntil: ptr(now.Add(48 * time.Hour))})
			ending := w.inCity(t, city, testkit.Policy{ValidUntil: ptr(now.Add(time.Minute))})
			draft := w.createPolicy(t, with(policyBody(), map[string]any{
				"region_codes": []string{city}}))

			want := ids{Offers: []int64{ending}, Claimed: []int64{held}, Declined: []int64{}}
			if diff := cmp.Diff(want, overviewOf(t, c).ids()); diff != "" {
				t.Errorf("overview (-want +got):\n%s", diff)
			}
			for _, id := range []int64{closing, future} {
				claim(c, id).ExpectProblem(t, http.StatusConflict, "policy_not_active")
				decline(c, id).ExpectProblem(t, http.StatusConflict, "policy_not_active")
			}
			claim(c, draft.ID).ExpectProblem(t, http.StatusNotFound, "not_found")
			claim(c, 99999999).ExpectProblem(t, http.StatusNotFound, "not_found")

			// valid_until passes: the offer goes and claims stop. The access
			// token, good for 15 minutes, outlives the two.
			w.s.Clock.Advance(2 * time.Minute)
			want.Offers = []int64{}
			if diff := cmp.Diff(want, overviewOf(t, c).ids()); diff != "" {
				t.Errorf("overview after valid_until (-want +got):\n%s", diff)
			}
			if me := profileOf(t, c); me.counts() != [3]int{0, 1, 0} || len(me.offerPrompts(t)) != 0 {
				t.Errorf("profile after valid_until: %+v", me)
			}
			claim(c, ending).ExpectProblem(t, http.StatusConflict, "policy_not_active")
			if diff := cmp.Diff(budget{RemainingFen: 100000000},
				w.policy(t, ending).budget(t)); diff != "" {
				t.Errorf("expired policy's budget (-want +got):\n%s", diff)
			}
			w.verify(t)
		})

		t.Run("ledger check while claims run", func(t *testing.T) {
			t.Parallel()
			ent := w.certified(t, "410702") // 新乡市
			var policies []int64
			for range 40 {
				policies = append(policies, w.inCity(t, "410700", testkit.Policy{}))
			}
			errs := make(chan error, 1)
			go func() {
				defer close(errs)
				for _, id := range policies {
					if _, err := w.s.App.Benefits.Claim(context.Background(), ent.ID, id); err != nil {
						errs <- err
						return
					}
				}
			}()
			for running := true; running; {
				select {
				case err, ok := <-errs:
					if ok {
						t.Fatalf("claim: %v", err)
					}
					running = false
				default:
				}
				w.verify(t)
			}
			if got := overviewOf(t, w.as(t, ent)).ids().Claimed; len(got) != len(policies) {
				t.Errorf("claimed %d policies, want %d", len(got), len(policies))
			}
		})
	})
}

// hidesBudget checks that an enterprise's offers carry none of the budget
// figures meant for admins.
func hidesBudget(t *testing.T, c *testkit.Client) {
	t.Helper()
	var raw struct {
		Offers []map[string]json.RawMessage `json:"offers"`
	}
	c.Do("GET", "/api/v1/benefits", nil).Expect(t, http.StatusOK).Decode(t, &raw)
	for _, offer := range raw.Offers {
		for _, name := range []string{"budget_claimed_fen", "budget_reserved_fen",
			"budget_used_fen", "budget_remaining_fen", "beneficiaries"} {
			if _, ok := offer[name]; ok {
				t.Errorf("an enterprise sees %s", name)
			}
		}
	}
}

// The enterprise is in 中原区 (410102), in Zhengzhou (410100).
func TestPolicyRegionScope(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		in := func(codes ...string) int64 {
			return w.s.ActivePolicy(t, testkit.Policy{RegionCodes: &codes})
		}
		kaifeng := in("410200")
		zhengzhou := in("410100")
		county := in("410102")
		neighbour := in("410103")
		province := in("410000")
		everywhere := in()
		several := in("410200", "410102")
		jiyuanCity := in("419000")
		c := w.as(t, w.certified(t))

		want := []int64{zhengzhou, county, province, everywhere, several}
		if diff := cmp.Diff(want, overviewOf(t, c).ids().Offers); diff != "" {
			t.Errorf("offers in 410102 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, profileOf(t, c).offerPrompts(t)); diff != "" {
			t.Errorf("prompts in 410102 (-want +got):\n%s", diff)
		}
		for _, id := range []int64{kaifeng, neighbour, jiyuanCity} {
			claim(c, id).ExpectProblem(t, http.StatusNotFound, "not_found")
			decline(c, id).ExpectProblem(t, http.StatusNotFound, "not_found")
		}
		for _, id := range want {
			claim(c, id).Expect(t, http.StatusOK)
		}

		// Jiyuan, a county-level city under 419000, is covered by it.
		jiyuan := w.as(t, w.certified(t, "419001"))
		want = []int64{province, everywhere, jiyuanCity}
		if diff := cmp.Diff(want, overviewOf(t, jiyuan).ids().Offers); diff != "" {
			t.Errorf("offers in 419001 (-want +got):\n%s", diff)
		}
		claim(jiyuan, jiyuanCity).Expect(t, http.StatusOK)
		claim(jiyuan, zhengzhou).ExpectProblem(t, http.StatusNotFound, "not_found")
		w.verify(t)
	})
}

// rawAnswer is what rawClaim got.
type rawAnswer struct {
	status int
	quota  int64
	err    error
}

// rawClaim claims a policy with a plain HTTP request, which, unlike the
// test client, may be sent from any goroutine.
func rawClaim(base, token string, id int64) rawAnswer {
	req, err := http.NewRequest("POST", base+"/api/v1/benefits/"+itoa(id)+"/claim", nil)
	if err != nil {
		return rawAnswer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawAnswer{err: err}
	}
	defer resp.Body.Close()
	var b benefit
	err = json.NewDecoder(resp.Body).Decode(&b)
	return rawAnswer{status: resp.StatusCode, quota: b.QuotaFen, err: err}
}
