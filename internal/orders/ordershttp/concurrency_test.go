package ordershttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/benefits/benefitsdb"
	"shangyun/internal/certification"
	"shangyun/internal/database"
	"shangyun/internal/files"
	"shangyun/internal/testkit"
)

// The tests below run on both databases. On SQLite every write
// transaction queues for the one database lock, so there they show that
// nothing fails while requests queue; MySQL, with row locks and
// concurrent transactions, is where the locking is really put to work.

// burstAnswer is one answer of a burst, or the error that stood for it.
type burstAnswer struct {
	Status int
	Code   string
	Body   []byte
	Err    error
}

// burst sends all of reqs at once, each from its own goroutine, and
// returns their answers in the same order. It goes through net/http
// rather than the testkit client, whose failures call t.Fatal, which only
// the test's own goroutine may do; the answers are checked afterwards.
func burst(t *testing.T, reqs []*http.Request) []burstAnswer {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: len(reqs)}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 2 * time.Minute}

	out := make([]burstAnswer, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			<-start
			out[i] = send(client, req)
		})
	}
	close(start)
	wg.Wait()
	return out
}

func send(client *http.Client, req *http.Request) burstAnswer {
	resp, err := client.Do(req)
	if err != nil {
		return burstAnswer{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	a := burstAnswer{Status: resp.StatusCode, Body: body, Err: err}
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		var p struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			a.Err = fmt.Errorf("problem body %s: %w", body, err)
		}
		a.Code = p.Code
	}
	return a
}

// post builds a POST of a JSON body by a signed-in user, with an
// Idempotency-Key unless key is empty.
func post(t *testing.T, s *testkit.Server, token, path, body, key string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return req
}

// tally counts answers by status and problem code ("201", "409
// budget_exhausted"), and fails the test on a transport error or any 5xx,
// whatever else was expected.
func tally(t *testing.T, answers []burstAnswer) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i, a := range answers {
		if a.Err != nil {
			t.Fatalf("request %d: %v", i, a.Err)
		}
		if a.Status >= 500 {
			t.Fatalf("request %d answered %d: %s", i, a.Status, a.Body)
		}
		counts[strings.TrimSpace(fmt.Sprintf("%d %s", a.Status, a.Code))]++
	}
	return counts
}

// manyCertified makes n enterprises with approved certifications and
// access tokens, through the same services as testkit's NewUser and
// Certify but faster: a few goroutines share the work, the certification
// images are drawn once for all instead of once each, and the token comes
// from the server's issuer instead of a sign-in, whose argon2id check is
// slow under the race detector. Workers report errors rather than calling
// t.Fatal, which only the test's goroutine may do.
func manyCertified(t *testing.T, s *testkit.Server, n int) []testkit.User {
	t.Helper()
	admin := s.NewUser(t, auth.RoleAdmin)
	images := map[string][]byte{}
	for _, rule := range certification.ImageRules() {
		images[rule.Field] = testkit.PNG(t, rule.MinWidth, rule.MinHeight)
	}
	users, errs := make([]testkit.User, n), make([]error, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range jobs {
				users[i], errs[i] = newCertified(s, admin.ID, images, i)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return users
}

func newCertified(s *testkit.Server, adminID int64, images map[string][]byte,
	i int) (testkit.User, error) {
	ctx := context.Background()
	u := testkit.User{Role: auth.RoleEnterprise, Username: fmt.Sprintf("claimant_%d", i),
		Password: testkit.Password}
	made, err := s.App.Accounts.Register(ctx, accounts.Registration{
		AccountType: string(auth.RoleEnterprise), Username: u.Username, Password: u.Password,
		Email: u.Username + "@test.example", Phone: fmt.Sprintf("138%08d", i),
		CompanyName: "申领企业" + u.Username, ContactName: "测试", RegionCode: "410102"})
	if err != nil {
		return u, fmt.Errorf("register %s: %w", u.Username, err)
	}
	u.ID = made.ID

	uploads := map[string]files.File{}
	for _, rule := range certification.ImageRules() {
		image := bytes.NewReader(images[rule.Field])
		f, err := s.App.Uploads.Receive(ctx, rule, "id.png", image, u.ID)
		if err != nil {
			return u, fmt.Errorf("upload %s of %s: %w", rule.Field, u.Username, err)
		}
		uploads[rule.Field] = f
	}
	c, err := s.App.Certification.Submit(ctx, u.ID, certification.Submission{
		CompanyName: "申领企业" + u.Username, CreditCode: testkit.CreditCode(),
		LegalRepresentative: "测试", LegalRepID: "410102199003071230", Images: uploads})
	if err != nil {
		return u, fmt.Errorf("certify %s: %w", u.Username, err)
	}
	admin := auth.Principal{UserID: adminID, Role: auth.RoleAdmin}
	if _, err := s.App.Certification.Approve(ctx, admin, c.ID); err != nil {
		return u, fmt.Errorf("approve %s: %w", u.Username, err)
	}

	// The token the server would issue at sign-in, without checking the
	// password once more.
	u.Access, _, err = s.App.Accounts.Tokens.Issue(u.ID, string(u.Role), made.SessionVersion)
	if err != nil {
		return u, fmt.Errorf("token for %s: %w", u.Username, err)
	}
	return u, nil
}

// TestConcurrentClaimsNeverOverdrawTheBudget: 150 certified enterprises
// claim at once from a policy whose budget holds exactly 100 quotas; 100
// get one, the others budget_exhausted, and the budget is exactly spent.
func TestConcurrentClaimsNeverOverdrawTheBudget(t *testing.T) {
	t.Parallel()
	const claimants, quotas = 150, 100
	const quota int64 = 10000
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		admin := s.Client(t).As(s.NewUser(t, auth.RoleAdmin).Access)
		policy := s.ActivePolicy(t, testkit.Policy{PerEnterpriseQuotaFen: ptr(quota),
			TotalBudgetFen: ptr(quotas * quota)})
		reqs := make([]*http.Request, claimants)
		for i, u := range manyCertified(t, s, claimants) {
			reqs[i] = post(t, s, u.Access, fmt.Sprintf("/api/v1/benefits/%d/claim", policy), "", "")
		}

		answers := burst(t, reqs)
		counts := tally(t, answers)
		want := map[string]int{"200": quotas, "409 budget_exhausted": claimants - quotas}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Fatalf("claims answered (-want +got):\n%s", diff)
		}
		for _, a := range answers {
			var b benefitFigures
			if a.Status == http.StatusOK {
				if err := json.Unmarshal(a.Body, &b); err != nil || b.QuotaFen != quota {
					t.Fatalf("claimed benefit %s (%v), want a quota of %d", a.Body, err, quota)
				}
			}
		}

		var p struct {
			BudgetClaimedFen   int64 `json:"budget_claimed_fen"`
			BudgetRemainingFen int64 `json:"budget_remaining_fen"`
			Beneficiaries      int   `json:"beneficiaries"`
		}
		admin.Do("GET", fmt.Sprintf("/api/v1/admin/policies/%d", policy), nil).
			Expect(t, http.StatusOK).Decode(t, &p)
		if p.BudgetClaimedFen != quotas*quota || p.BudgetRemainingFen != 0 ||
			p.Beneficiaries != quotas {
			t.Fatalf("policy after the claims %+v, want %d claimed by %d", p, quotas*quota, quotas)
		}
		verifyLedger(t, s)
	})
}

// TestConcurrentCheckoutsNeverOverdrawTheQuota: 50 checkouts of one
// enterprise at once, each of its own cart line under its own key, on a
// quota that covers only some of their discounts. Each order gets
// min(covered × rate rounded down, cap, what the orders before it left),
// in the order the checkouts took the benefit, and the reservations add
// up to the quota at most.
func TestConcurrentCheckoutsNeverOverdrawTheQuota(t *testing.T) {
	t.Parallel()
	const providers, specsEach = 5, 10
	const rate, capFen, quota int64 = 3000, 40000, 600000
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		_, leaf := s.Category(t)
		policy := s.ActivePolicy(t, testkit.Policy{DiscountRate: ptr(int(rate)),
			PerOrderCapFen: ptr(capFen), PerEnterpriseQuotaFen: ptr(quota)})
		ent := certified(t, s)
		c := s.Client(t).As(ent.Access)
		claim(t, c, policy)

		// Prices from ¥500 up in uneven steps: the first discounts fall
		// under the cap and do not round evenly, the later ones hit the cap.
		var reqs []*http.Request
		for p := range providers {
			prices := make([]int64, specsEach)
			for i := range prices {
				prices[i] = 50001 + int64(p*specsEach+i)*7919
			}
			_, specs := s.Product(t, s.NewUser(t, auth.RoleProvider), leaf, prices...)
			for _, spec := range specs {
				line := addToCart(t, c, spec, 1)
				reqs = append(reqs, post(t, s, ent.Access, "/api/v1/orders",
					fmt.Sprintf(`{"cart_item_ids":[%d]}`, line), fmt.Sprintf("line-%d", line)))
			}
		}

		answers := burst(t, reqs)
		if counts := tally(t, answers); counts["201"] != len(reqs) {
			t.Fatalf("answers %v, want %d × 201", counts, len(reqs))
		}
		answered := map[int64]int64{}
		for _, a := range answers {
			var q checkoutQuote
			if err := json.Unmarshal(a.Body, &q); err != nil || len(q.Orders) != 1 {
				t.Fatalf("answer %s (%v), want one order", a.Body, err)
			}
			answered[q.Orders[0].ID] = q.Orders[0].DiscountFen
		}

		// Order ids are taken while the benefit is locked, so ascending id is
		// the order in which the checkouts drew on the quota.
		rows := orderRows(t, s, ent.ID)
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		subtotals := map[int64]int64{}
		for _, l := range lineRows(t, s, ids...) {
			subtotals[l.OrderID] += l.LineTotalFen
		}
		left := quota
		for _, r := range rows {
			want := min(subtotals[r.ID]*rate/10000, capFen, left)
			reason := ""
			if r.NoDiscountReason != nil {
				reason = *r.NoDiscountReason
			}
			if r.DiscountFen != want || (want == 0) != (reason == "quota_used_up") ||
				answered[r.ID] != r.DiscountFen {
				t.Fatalf("order %d of %d fen with %d fen left: discount %d (answered %d), "+
					"reason %q; want %d", r.ID, subtotals[r.ID], left, r.DiscountFen,
					answered[r.ID], reason, want)
			}
			left -= want
		}
		if len(rows) != len(reqs) || left != 0 {
			t.Fatalf("%d orders leaving %d fen of the quota, want %d orders spending it all",
				len(rows), left, len(reqs))
		}

		b := claimedBenefit(t, c)
		if b.ReservedFen != quota || b.RemainingFen != 0 {
			t.Fatalf("benefit %+v, want the whole quota %d reserved", b, quota)
		}
		var reserved int64
		err := s.App.DB.Model(&benefitsdb.LedgerRow{}).Select("COALESCE(SUM(amount_fen), 0)").
			Where("benefit_id = ? AND kind = ?", b.ID, "reserve").Scan(&reserved).Error
		if err != nil || reserved != quota {
			t.Fatalf("ledger reserves %d (%v), want %d", reserved, err, quota)
		}
		verifyLedger(t, s)
	})
}

// TestConcurrentCheckoutsUnderOnePolicy: 40 enterprises holding a benefit
// of one policy check out at once, then half of the orders are cancelled
// and the rest run to completion. Every checkout gets its discount, and
// the administrator's figures for the policy are the sums over its
// benefits at each step.
func TestConcurrentCheckoutsUnderOnePolicy(t *testing.T) {
	t.Parallel()
	const enterprises = 40
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		_, leaf := s.Category(t)
		prov := s.NewUser(t, auth.RoleProvider)
		_, specs := s.Product(t, prov, leaf, 100000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		admin := s.Client(t).As(s.NewUser(t, auth.RoleAdmin).Access)
		figures := func() (reserved, used int64) {
			t.Helper()
			var p struct {
				BudgetReservedFen int64 `json:"budget_reserved_fen"`
				BudgetUsedFen     int64 `json:"budget_used_fen"`
			}
			admin.Do("GET", fmt.Sprintf("/api/v1/admin/policies/%d", policy), nil).
				Expect(t, http.StatusOK).Decode(t, &p)
			return p.BudgetReservedFen, p.BudgetUsedFen
		}

		users := manyCertified(t, s, enterprises)
		reqs := make([]*http.Request, enterprises)
		for i, u := range users {
			c := s.Client(t).As(u.Access)
			claim(t, c, policy)
			line := addToCart(t, c, specs[0], 1)
			reqs[i] = post(t, s, u.Access, "/api/v1/orders",
				fmt.Sprintf(`{"cart_item_ids":[%d]}`, line), fmt.Sprintf("policy-%d", i))
		}
		answers := burst(t, reqs)
		if counts := tally(t, answers); counts["201"] != enterprises {
			t.Fatalf("answers %v, want %d × 201", counts, enterprises)
		}
		const discount = 30000 // 30% of ¥1,000
		orderIDs := make([]int64, enterprises)
		for i, a := range answers {
			var q checkoutQuote
			if err := json.Unmarshal(a.Body, &q); err != nil || len(q.Orders) != 1 ||
				q.Orders[0].DiscountFen != discount {
				t.Fatalf("answer %s (%v), want one order with a discount of %d", a.Body, err, discount)
			}
			orderIDs[i] = q.Orders[0].ID
		}
		if r, u := figures(); r != enterprises*discount || u != 0 {
			t.Fatalf("policy reserves %d and has used %d, want %d and 0", r, u, enterprises*discount)
		}

		pc := s.Client(t).As(prov.Access)
		for i, id := range orderIDs {
			path := fmt.Sprintf("/api/v1/orders/%d", id)
			if i%2 == 0 {
				s.Client(t).As(users[i].Access).Do("POST", path+"/cancel",
					map[string]string{"reason": "不再需要"}).Expect(t, http.StatusOK)
				continue
			}
			ec := s.Client(t).As(users[i].Access)
			pc.Do("POST", path+"/contract", testkit.Form{Files: map[string]testkit.FilePart{
				"file": {Name: "合同.pdf", Data: pdf}}}).Expect(t, http.StatusOK)
			ec.Do("POST", path+"/contract-decision", map[string]string{"decision": "agree"}).
				Expect(t, http.StatusOK)
			pc.Do("POST", path+"/completion-report", testkit.Form{Files: map[string]testkit.FilePart{
				"file": {Name: "竣工报告.pdf", Data: pdf}}}).Expect(t, http.StatusOK)
			pc.Do("POST", path+"/invoice", testkit.Form{Files: map[string]testkit.FilePart{
				"file": {Name: "发票.pdf", Data: pdf}}}).Expect(t, http.StatusOK)
		}
		if r, u := figures(); r != 0 || u != enterprises/2*discount {
			t.Fatalf("policy reserves %d and has used %d, want 0 and %d", r, u, enterprises/2*discount)
		}
		verifyLedger(t, s)
	})
}

// TestConcurrentRetriesOfOneOrder: 50 copies of one request under one
// Idempotency-Key at once make one set of orders; every answer is that
// set, or idempotency_in_flight while the first still runs.
func TestConcurrentRetriesOfOneOrder(t *testing.T) {
	t.Parallel()
	const copies = 50
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		_, leaf := s.Category(t)
		_, specs1 := s.Product(t, s.NewUser(t, auth.RoleProvider), leaf, 100000)
		_, specs2 := s.Product(t, s.NewUser(t, auth.RoleProvider), leaf, 250000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		ent := certified(t, s)
		c := s.Client(t).As(ent.Access)
		claim(t, c, policy)
		lines := []int64{addToCart(t, c, specs1[0], 2), addToCart(t, c, specs2[0], 1)}
		q := quoteOf(t, c, lines...)
		body := fmt.Sprintf(`{"cart_item_ids":[%d,%d],"expected_payable_fen":%d}`,
			lines[0], lines[1], q.PayableFen)
		reqs := make([]*http.Request, copies)
		for i := range reqs {
			reqs[i] = post(t, s, ent.Access, "/api/v1/orders", body, "one-order")
		}

		answers := burst(t, reqs)
		counts := tally(t, answers)
		t.Logf("answers: %v", counts)
		if counts["201"]+counts["409 idempotency_in_flight"] != copies || counts["201"] == 0 {
			t.Fatalf("answers %v, want 201 or 409 idempotency_in_flight, at least one 201", counts)
		}
		// Retried once all is done, the key gives the answer kept.
		kept := placeOrder(c, "one-order", body).Expect(t, http.StatusCreated)
		for _, a := range answers {
			if a.Status == http.StatusCreated && !bytes.Equal(a.Body, kept.Body) {
				t.Fatalf("answer %s differs from the one kept %s", a.Body, kept.Body)
			}
		}

		var placed checkoutQuote
		kept.Decode(t, &placed)
		wantStored(t, orderRows(t, s, ent.ID), placed)
		if n := keysKept(t, s, ent.ID); n != 1 {
			t.Fatalf("%d idempotency keys kept, want 1", n)
		}
		if b := claimedBenefit(t, c); b.ReservedFen != q.DiscountFen {
			t.Fatalf("benefit %+v, want %d reserved once", b, q.DiscountFen)
		}
		if ids := cartLineIDs(t, c); len(ids) != 0 {
			t.Fatalf("cart lines %v left after ordering all of them", ids)
		}
		verifyLedger(t, s)
	})
}

// TestConcurrentDuplicates: one enterprise claiming one policy many times
// at once gets one benefit; checking one cart line out many times at once,
// under different keys, makes one order and one reservation.
func TestConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	const copies = 20
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		_, leaf := s.Category(t)
		_, specs := s.Product(t, s.NewUser(t, auth.RoleProvider), leaf, 100000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		ent := certified(t, s)
		c := s.Client(t).As(ent.Access)

		claimPath := fmt.Sprintf("/api/v1/benefits/%d/claim", policy)
		reqs := make([]*http.Request, copies)
		for i := range reqs {
			reqs[i] = post(t, s, ent.Access, claimPath, "", "")
		}
		counts := tally(t, burst(t, reqs))
		want := map[string]int{"200": 1, "409 already_claimed": copies - 1}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Fatalf("claims answered (-want +got):\n%s", diff)
		}

		line := addToCart(t, c, specs[0], 1)
		for i := range reqs {
			reqs[i] = post(t, s, ent.Access, "/api/v1/orders",
				fmt.Sprintf(`{"cart_item_ids":[%d]}`, line), fmt.Sprintf("click-%d", i))
		}
		counts = tally(t, burst(t, reqs))
		// Whoever comes after the first finds the line gone from the cart.
		want = map[string]int{"201": 1, "404 not_found": copies - 1}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Fatalf("checkouts answered (-want +got):\n%s", diff)
		}
		if rows := orderRows(t, s, ent.ID); len(rows) != 1 {
			t.Fatalf("stored orders %+v, want one", rows)
		}
		if b := claimedBenefit(t, c); b.ReservedFen != 30000 {
			t.Fatalf("benefit %+v, want one discount of 30000 reserved", b)
		}
		verifyLedger(t, s)
	})
}

// TestCheckoutLeftByItsClientCanBeRetried: a client that gives up on a
// checkout while it waits for a lock, and retries under the same key once
// the lock is gone, gets its orders made instead of idempotency_in_flight
// for as long as the key is kept.
func TestCheckoutLeftByItsClientCanBeRetried(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		if driver == database.SQLite {
			t.Skip("holding a checkout half-way needs a row lock; SQLite's one write lock " +
				"would hold back the claim of the key too")
		}
		t.Parallel()
		s := newShop(t, driver)
		_, leaf := s.Category(t)
		_, specs := s.Product(t, s.NewUser(t, auth.RoleProvider), leaf, 100000)
		ent := s.NewUser(t, auth.RoleEnterprise)
		c := s.Client(t).As(ent.Access)
		line := addToCart(t, c, specs[0], 1)
		body := fmt.Sprintf(`{"cart_item_ids":[%d]}`, line)

		// Another transaction holds the cart line, so the checkout waits.
		tx := s.App.DB.WithContext(t.Context()).Begin()
		defer tx.Rollback()
		var held int64
		if err := tx.Raw("SELECT id FROM cart_items WHERE id = ? FOR UPDATE", line).
			Scan(&held).Error; err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		req := post(t, s, ent.Access, "/api/v1/orders", body, "patience").WithContext(ctx)
		left := make(chan error, 1)
		go func() { left <- send(http.DefaultClient, req).Err }()
		waitFor(t, "the key to be claimed", func() bool { return keysKept(t, s, ent.ID) == 1 })
		cancel()
		if err := <-left; !errors.Is(err, context.Canceled) {
			t.Fatalf("the client that gave up got %v", err)
		}
		tx.Rollback()

		var r *testkit.Response
		waitFor(t, "the key to be free again", func() bool {
			r = placeOrder(c, "patience", body)
			return r.Status != http.StatusConflict
		})
		r.Expect(t, http.StatusCreated)
		if rows := orderRows(t, s, ent.ID); len(rows) != 1 {
			t.Fatalf("stored orders %+v, want one", rows)
		}
		verifyLedger(t, s)
	})
}

// waitFor polls done until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
