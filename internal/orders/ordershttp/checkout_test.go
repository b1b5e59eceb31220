package ordershttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/idempotency"
	"shangyun/internal/orders/ordersdb"
	"shangyun/internal/testkit"
)

// checkoutLine is an order line of a quote or of placed orders.
type checkoutLine struct {
	ProductID    int64  `json:"product_id"`
	SpecID       int64  `json:"spec_id"`
	CategoryID   int64  `json:"category_id"`
	ProductName  string `json:"product_name"`
	SpecName     string `json:"spec_name"`
	UnitPriceFen int64  `json:"unit_price_fen"`
	Quantity     int    `json:"quantity"`
	BillingUnit  string `json:"billing_unit"`
	LineTotalFen int64  `json:"line_total_fen"`
	Covered      bool   `json:"covered"`
}

// checkoutOrder is one provider's order of a quote; placed, it has an id
// and a status.
type checkoutOrder struct {
	ID               int64          `json:"id"`
	Status           string         `json:"status"`
	ProviderID       int64          `json:"provider_id"`
	ProviderName     string         `json:"provider_name"`
	Lines            []checkoutLine `json:"lines"`
	SubtotalFen      int64          `json:"subtotal_fen"`
	PolicyID         *int64         `json:"policy_id"`
	PolicyVersion    *int           `json:"policy_version"`
	DiscountFen      int64          `json:"discount_fen"`
	PayableFen       int64          `json:"payable_fen"`
	NoDiscountReason *string        `json:"no_discount_reason"`
}

// checkoutQuote is the body of a quote and of POST /orders.
type checkoutQuote struct {
	Orders      []checkoutOrder `json:"orders"`
	SubtotalFen int64           `json:"subtotal_fen"`
	DiscountFen int64           `json:"discount_fen"`
	PayableFen  int64           `json:"payable_fen"`
}

// newShop starts a server for checkout tests. They sign many accounts in
// from one address under a clock that never moves, so the per-address
// sign-in limit is lifted.
func newShop(t *testing.T, driver string) *testkit.Server {
	t.Helper()
	return testkit.NewServer(t, driver, func(cfg *config.Config) {
		cfg.Auth.AddressPerMinute = 1_000_000
	})
}

// certified returns a new enterprise with an approved certification.
func certified(t *testing.T, s *testkit.Server) testkit.User {
	t.Helper()
	u := s.NewUser(t, auth.RoleEnterprise)
	s.Certify(t, u)
	return u
}

func claim(t *testing.T, c *testkit.Client, policyID int64) {
	t.Helper()
	c.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", policyID), nil).Expect(t, http.StatusOK)
}

func addToCart(t *testing.T, c *testkit.Client, specID int64, quantity int) int64 {
	t.Helper()
	var line struct {
		ID int64 `json:"id"`
	}
	c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": specID, "quantity": quantity}).
		Expect(t, http.StatusCreated).Decode(t, &line)
	return line.ID
}

// cartLineIDs returns the ids of the caller's cart lines.
func cartLineIDs(t *testing.T, c *testkit.Client) []int64 {
	t.Helper()
	var lines []struct {
		ID int64 `json:"id"`
	}
	c.Do("GET", "/api/v1/cart", nil).Expect(t, http.StatusOK).Decode(t, &lines)
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.ID
	}
	return ids
}

func quoteOf(t *testing.T, c *testkit.Client, lineIDs ...int64) checkoutQuote {
	t.Helper()
	var q checkoutQuote
	c.Do("POST", "/api/v1/orders/quote", map[string]any{"cart_item_ids": lineIDs}).
		Expect(t, http.StatusOK).Decode(t, &q)
	return q
}

// placeOrder posts an order with an Idempotency-Key.
func placeOrder(c *testkit.Client, key string, body any, opts ...testkit.Option) *testkit.Response {
	return c.Do("POST", "/api/v1/orders", body,
		append(opts, testkit.Header("Idempotency-Key", key))...)
}

// placeLines orders lines, expecting the payable total of q, and answers
// the orders made.
func placeLines(t *testing.T, c *testkit.Client, key string, q checkoutQuote,
	lineIDs ...int64) checkoutQuote {
	t.Helper()
	var placed checkoutQuote
	body := map[string]any{"cart_item_ids": lineIDs, "expected_payable_fen": q.PayableFen}
	placeOrder(c, key, body).Expect(t, http.StatusCreated).Decode(t, &placed)
	return placed
}

// orderRows reads an enterprise's orders as stored, oldest first.
func orderRows(t *testing.T, s *testkit.Server, enterpriseID int64) []ordersdb.OrderRow {
	t.Helper()
	var rows []ordersdb.OrderRow
	err := s.App.DB.WithContext(t.Context()).Where("enterprise_id = ?", enterpriseID).
		Order("id").Find(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// lineRows reads the stored lines of orders, by order then line id.
func lineRows(t *testing.T, s *testkit.Server, orderIDs ...int64) []ordersdb.LineRow {
	t.Helper()
	var rows []ordersdb.LineRow
	err := s.App.DB.WithContext(t.Context()).Where("order_id IN ?", orderIDs).
		Order("order_id, id").Find(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// wantStored fails the test unless rows are the orders of placed.
func wantStored(t *testing.T, rows []ordersdb.OrderRow, placed checkoutQuote) {
	t.Helper()
	var got, want []int64
	for _, r := range rows {
		got = append(got, r.ID)
	}
	for _, o := range placed.Orders {
		want = append(want, o.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("stored order ids (-want +got):\n%s", diff)
	}
}

// keysKept counts the idempotency keys kept for a user.
func keysKept(t *testing.T, s *testkit.Server, userID int64) int64 {
	t.Helper()
	var n int64
	err := s.App.DB.WithContext(t.Context()).Model(&idempotency.Row{}).
		Where("user_id = ?", userID).Count(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// claimedBenefit reads the caller's only claimed benefit.
func claimedBenefit(t *testing.T, c *testkit.Client) benefitFigures {
	t.Helper()
	var overview struct {
		Claimed []benefitFigures `json:"claimed"`
	}
	c.Do("GET", "/api/v1/benefits", nil).Expect(t, http.StatusOK).Decode(t, &overview)
	if len(overview.Claimed) != 1 {
		t.Fatalf("claimed benefits %+v, want one", overview.Claimed)
	}
	return overview.Claimed[0]
}

// benefitFigures are the amounts of a claimed benefit.
type benefitFigures struct {
	ID           int64 `json:"id"`
	PolicyID     int64 `json:"policy_id"`
	QuotaFen     int64 `json:"quota_fen"`
	ReservedFen  int64 `json:"reserved_fen"`
	UsedFen      int64 `json:"used_fen"`
	RemainingFen int64 `json:"remaining_fen"`
}

// verifyLedger fails the test when a stored balance differs from what the
// ledger adds up to. Verify reads balances and ledger one after the
// other, so it must run while no movement is under way on the server.
func verifyLedger(t *testing.T, s *testkit.Server) {
	t.Helper()
	if err := s.App.Benefits.Verify(t.Context()); err != nil {
		t.Fatalf("ledger: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestQuoteSplitsByProviderAndOrdersKeepTheirLines: a quote makes one
// order per provider in ascending provider id and stores nothing; the
// placed orders keep the product, spec names, price, quantity and billing
// unit they were ordered with, whatever the provider changes afterwards.
func TestQuoteSplitsByProviderAndOrdersKeepTheirLines(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		first := s.NewUser(t, auth.RoleProvider)
		second := s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		productA, specsA := s.Product(t, first, leaf, 12345, 67890)
		productB, specsB := s.Product(t, second, leaf, 50000)
		ent := s.NewUser(t, auth.RoleEnterprise)
		c := s.Client(t).As(ent.Access)

		// The second provider's line enters the cart first: orders still
		// come in ascending provider id.
		lineB := addToCart(t, c, specsB[0], 3)
		lineA1 := addToCart(t, c, specsA[0], 1)
		lineA2 := addToCart(t, c, specsA[1], 2)
		nameA, nameB := productName(t, c, productA), productName(t, c, productB)
		ordered := func(product, spec int64, name, specName string, price int64,
			quantity int) checkoutLine {
			return checkoutLine{ProductID: product, SpecID: spec, CategoryID: leaf,
				ProductName: name, SpecName: specName, UnitPriceFen: price, Quantity: quantity,
				BillingUnit: "month", LineTotalFen: price * int64(quantity)}
		}
		linesA := []checkoutLine{ordered(productA, specsA[0], nameA, "规格1", 12345, 1),
			ordered(productA, specsA[1], nameA, "规格2", 67890, 2)}
		linesB := []checkoutLine{ordered(productB, specsB[0], nameB, "规格1", 50000, 3)}
		const totalA, totalB = 12345 + 2*67890, 3 * 50000
		want := checkoutQuote{SubtotalFen: totalA + totalB, PayableFen: totalA + totalB,
			Orders: []checkoutOrder{
				{ProviderID: first.ID, ProviderName: "测试企业" + first.Username,
					Lines: linesA, SubtotalFen: totalA, PayableFen: totalA,
					NoDiscountReason: ptr("not_certified")},
				{ProviderID: second.ID, ProviderName: "测试企业" + second.Username,
					Lines: linesB, SubtotalFen: totalB, PayableFen: totalB,
					NoDiscountReason: ptr("not_certified")},
			}}

		q := quoteOf(t, c, lineB, lineA1, lineA2)
		if diff := cmp.Diff(want, q); diff != "" {
			t.Fatalf("quote (-want +got):\n%s", diff)
		}
		if rows := orderRows(t, s, ent.ID); len(rows) != 0 {
			t.Fatalf("a quote stored orders %+v", rows)
		}
		placed := placeLines(t, c, "split-1", q, lineB, lineA1, lineA2)
		ignoreIDs := cmpopts.IgnoreFields(checkoutOrder{}, "ID", "Status")
		if diff := cmp.Diff(want, placed, ignoreIDs); diff != "" {
			t.Fatalf("placed orders (-want +got):\n%s", diff)
		}
		for _, o := range placed.Orders {
			if o.ID == 0 || o.Status != "submitted" {
				t.Fatalf("placed order %+v, want an id and status submitted", o)
			}
		}

		// The provider renames the product and reprices and renames a spec.
		p := s.Client(t).As(first.Access)
		p.Do("PATCH", fmt.Sprintf("/api/v1/provider/products/%d", productA),
			map[string]any{"name": "改名后的产品"}).Expect(t, http.StatusOK)
		p.Do("PATCH", fmt.Sprintf("/api/v1/provider/specs/%d", specsA[1]),
			map[string]any{"name": "新规格", "price_fen": 99999, "billing_unit": "year"}).
			Expect(t, http.StatusOK)

		var got []checkoutLine
		for _, r := range lineRows(t, s, placed.Orders[0].ID, placed.Orders[1].ID) {
			got = append(got, checkoutLine{ProductID: r.ProductID, SpecID: r.SpecID,
				CategoryID: r.CategoryID, ProductName: r.ProductName, SpecName: r.SpecName,
				UnitPriceFen: r.UnitPriceFen, Quantity: r.Quantity, BillingUnit: r.BillingUnit,
				LineTotalFen: r.LineTotalFen, Covered: r.Covered})
		}
		if diff := cmp.Diff(append(linesA, linesB...), got); diff != "" {
			t.Fatalf("order_lines after the catalog changed (-want +got):\n%s", diff)
		}
		if ids := cartLineIDs(t, c); len(ids) != 0 {
			t.Fatalf("cart lines %v left after ordering all of them", ids)
		}
		verifyLedger(t, s)
	})
}

func productName(t *testing.T, c *testkit.Client, id int64) string {
	t.Helper()
	var p struct {
		Name string `json:"name"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/products/%d", id), nil).Expect(t, http.StatusOK).Decode(t, &p)
	return p.Name
}

// TestNoDiscountReasons: a quote, and the order placed from it, say why an
// order has no discount; when several reasons apply, the first of the
// spec's list is given.
func TestNoDiscountReasons(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		admin := s.Client(t).As(s.NewUser(t, auth.RoleAdmin).Access)
		prov := s.NewUser(t, auth.RoleProvider)
		top, leaf := s.Category(t)
		otherTop, _ := s.Category(t)
		_, specs := s.Product(t, prov, leaf, 100000)
		closePolicy := func(t *testing.T, id int64) {
			t.Helper()
			admin.Do("POST", fmt.Sprintf("/api/v1/admin/policies/%d/close", id), nil).
				Expect(t, http.StatusOK)
		}

		// Each case makes an enterprise, gives it the benefits it needs, and
		// returns it; its next cart line is then quoted and ordered.
		cases := []struct {
			name    string
			prepare func(t *testing.T) testkit.User
			want    string
		}{{
			name: "not certified",
			prepare: func(t *testing.T) testkit.User {
				s.ActivePolicy(t, testkit.Policy{})
				return s.NewUser(t, auth.RoleEnterprise)
			},
			want: "not_certified",
		}, {
			name: "certified without a claimed benefit",
			prepare: func(t *testing.T) testkit.User {
				s.ActivePolicy(t, testkit.Policy{})
				return certified(t, s)
			},
			want: "no_benefit",
		}, {
			name: "claimed policy closed since",
			prepare: func(t *testing.T) testkit.User {
				policy := s.ActivePolicy(t, testkit.Policy{})
				ent := certified(t, s)
				claim(t, s.Client(t).As(ent.Access), policy)
				closePolicy(t, policy)
				return ent
			},
			want: "policy_expired",
		}, {
			name: "closed policy of another category: policy_expired comes first",
			prepare: func(t *testing.T) testkit.User {
				policy := s.ActivePolicy(t, testkit.Policy{CategoryIDs: &[]int64{otherTop}})
				ent := certified(t, s)
				claim(t, s.Client(t).As(ent.Access), policy)
				closePolicy(t, policy)
				return ent
			},
			want: "policy_expired",
		}, {
			name: "policy covering another category",
			prepare: func(t *testing.T) testkit.User {
				policy := s.ActivePolicy(t, testkit.Policy{CategoryIDs: &[]int64{otherTop}})
				ent := certified(t, s)
				claim(t, s.Client(t).As(ent.Access), policy)
				return ent
			},
			want: "category_not_covered",
		}, {
			name: "quota fully reserved by an earlier order",
			prepare: func(t *testing.T) testkit.User {
				policy := s.ActivePolicy(t, testkit.Policy{CategoryIDs: &[]int64{top},
					PerEnterpriseQuotaFen: ptr[int64](30000)})
				ent := certified(t, s)
				c := s.Client(t).As(ent.Access)
				claim(t, c, policy)
				// 30% of ¥1,000 takes the whole ¥300 quota.
				line := addToCart(t, c, specs[0], 1)
				placed := placeLines(t, c, "earlier", quoteOf(t, c, line), line)
				if placed.DiscountFen != 30000 {
					t.Fatalf("earlier order %+v, want a discount of 30000", placed)
				}
				if b := claimedBenefit(t, c); b.ReservedFen != 30000 || b.RemainingFen != 0 {
					t.Fatalf("benefit %+v, want all of it reserved", b)
				}
				return ent
			},
			want: "quota_used_up",
		}}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ent := tc.prepare(t)
				c := s.Client(t).As(ent.Access)
				line := addToCart(t, c, specs[0], 1)
				want := checkoutQuote{SubtotalFen: 100000, PayableFen: 100000,
					Orders: []checkoutOrder{{ProviderID: prov.ID, SubtotalFen: 100000,
						PayableFen: 100000, NoDiscountReason: &tc.want}}}
				only := cmpopts.IgnoreFields(checkoutOrder{}, "ID", "Status", "ProviderName",
					"Lines")

				q := quoteOf(t, c, line)
				if diff := cmp.Diff(want, q, only); diff != "" {
					t.Fatalf("quote (-want +got):\n%s", diff)
				}
				placed := placeLines(t, c, "reason", q, line)
				if diff := cmp.Diff(want, placed, only); diff != "" {
					t.Fatalf("placed (-want +got):\n%s", diff)
				}
				rows := orderRows(t, s, ent.ID)
				last := rows[len(rows)-1]
				if last.ID != placed.Orders[0].ID || last.DiscountFen != 0 ||
					last.PolicyID != nil || last.NoDiscountReason == nil ||
					*last.NoDiscountReason != tc.want {
					t.Fatalf("stored order %+v, want no discount because %s", last, tc.want)
				}
				verifyLedger(t, s)
			})
		}
	})
}

// discountResult is what the discount rule decided for one order.
type discountResult struct {
	ProviderID  int64
	SubtotalFen int64
	DiscountFen int64
	PolicyID    int64
	Reason      string
	Covered     []bool
}

func discountResults(q checkoutQuote) []discountResult {
	out := make([]discountResult, len(q.Orders))
	for i, o := range q.Orders {
		r := discountResult{ProviderID: o.ProviderID, SubtotalFen: o.SubtotalFen,
			DiscountFen: o.DiscountFen}
		if o.PolicyID != nil {
			r.PolicyID = *o.PolicyID
		}
		if o.NoDiscountReason != nil {
			r.Reason = *o.NoDiscountReason
		}
		for _, l := range o.Lines {
			r.Covered = append(r.Covered, l.Covered)
		}
		out[i] = r
	}
	return out
}

// TestDiscountRule: discount = min(covered × rate rounded down to the fen,
// per-order cap, what is left of the benefit), the orders of one checkout
// served in ascending provider id.
func TestDiscountRule(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		p1 := s.NewUser(t, auth.RoleProvider)
		p2 := s.NewUser(t, auth.RoleProvider)
		p3 := s.NewUser(t, auth.RoleProvider)
		top, leaf := s.Category(t)
		_, otherLeaf := s.Category(t)
		_, s1 := s.Product(t, p1, leaf, 100000, 1000000, 33333, 3333, 200000)
		_, uncovered := s.Product(t, p1, otherLeaf, 50000)
		_, s2 := s.Product(t, p2, leaf, 200000)
		_, s3 := s.Product(t, p3, leaf, 200000)

		type buy struct {
			spec     int64
			quantity int
		}
		cases := []struct {
			name   string
			policy testkit.Policy
			buys   []buy
			// want leaves PolicyID out: it is the case's policy whenever
			// there is a discount.
			want []discountResult
		}{{
			name:   "only lines of covered categories count; a top category covers its children",
			policy: testkit.Policy{CategoryIDs: &[]int64{top}},
			buys:   []buy{{s1[0], 1}, {uncovered[0], 1}},
			want: []discountResult{{ProviderID: p1.ID, SubtotalFen: 150000, DiscountFen: 30000,
				Covered: []bool{true, false}}},
		}, {
			name: "per-order cap",
			buys: []buy{{s1[1], 2}},
			// 30% of ¥20,000 is ¥6,000, over the ¥5,000 cap.
			want: []discountResult{{ProviderID: p1.ID, SubtotalFen: 2000000, DiscountFen: 500000,
				Covered: []bool{true}}},
		}, {
			name:   "rounded down to the fen",
			policy: testkit.Policy{DiscountRate: ptr(1234)},
			buys:   []buy{{s1[2], 1}},
			// 33333 × 12.34% = 4113.2922
			want: []discountResult{{ProviderID: p1.ID, SubtotalFen: 33333, DiscountFen: 4113,
				Covered: []bool{true}}},
		}, {
			name: "rounded down over the quantity, not per unit",
			buys: []buy{{s1[3], 3}},
			// 3 × 3333 × 30% = 2999.7; per unit it would be 3 × 999 = 2997.
			want: []discountResult{{ProviderID: p1.ID, SubtotalFen: 9999, DiscountFen: 2999,
				Covered: []bool{true}}},
		}, {
			name:   "orders of one checkout draw on one quota in ascending provider id",
			policy: testkit.Policy{PerEnterpriseQuotaFen: ptr[int64](100000)},
			// The cart holds the providers' lines in descending order.
			buys: []buy{{s3[0], 1}, {s2[0], 1}, {s1[4], 1}},
			want: []discountResult{
				{ProviderID: p1.ID, SubtotalFen: 200000, DiscountFen: 60000, Covered: []bool{true}},
				{ProviderID: p2.ID, SubtotalFen: 200000, DiscountFen: 40000, Covered: []bool{true}},
				{ProviderID: p3.ID, SubtotalFen: 200000, Reason: "quota_used_up",
					Covered: []bool{false}}},
		}}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				policy := s.ActivePolicy(t, tc.policy)
				ent := certified(t, s)
				c := s.Client(t).As(ent.Access)
				claim(t, c, policy)
				var lines []int64
				for _, b := range tc.buys {
					lines = append(lines, addToCart(t, c, b.spec, b.quantity))
				}
				var discount int64
				for i := range tc.want {
					if tc.want[i].Reason == "" {
						tc.want[i].PolicyID = policy
					}
					discount += tc.want[i].DiscountFen
				}

				q := quoteOf(t, c, lines...)
				if diff := cmp.Diff(tc.want, discountResults(q)); diff != "" {
					t.Fatalf("quote (-want +got):\n%s", diff)
				}
				if q.DiscountFen != discount || q.PayableFen != q.SubtotalFen-discount {
					t.Fatalf("quote totals %+v, want a discount of %d", q, discount)
				}
				placed := placeLines(t, c, "rule", q, lines...)
				if diff := cmp.Diff(tc.want, discountResults(placed)); diff != "" {
					t.Fatalf("placed (-want +got):\n%s", diff)
				}
				if b := claimedBenefit(t, c); b.ReservedFen != discount {
					t.Fatalf("benefit %+v, want %d reserved", b, discount)
				}
				var stored int64
				for _, r := range orderRows(t, s, ent.ID) {
					stored += r.DiscountFen
				}
				if stored != discount {
					t.Fatalf("stored orders discount %d, want %d", stored, discount)
				}
				verifyLedger(t, s)
			})
		}
	})
}

// TestCheckoutRejects: lines of another cart and unknown lines are
// not_found, an empty list breaks a rule, and a line no longer on sale
// cannot be quoted or ordered; nothing is ordered in any of these cases.
func TestCheckoutRejects(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		prov := s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		_, specs := s.Product(t, prov, leaf, 100000, 20000)
		ent, other := s.NewUser(t, auth.RoleEnterprise), s.NewUser(t, auth.RoleEnterprise)
		mine := addToCart(t, s.Client(t).As(ent.Access), specs[0], 1)
		theirs := addToCart(t, s.Client(t).As(other.Access), specs[0], 1)

		cases := []struct {
			name   string
			body   string
			status int
			code   string
		}{
			{"a line of another enterprise's cart", fmt.Sprintf(`{"cart_item_ids":[%d]}`, theirs),
				http.StatusNotFound, "not_found"},
			{"own line and another's", fmt.Sprintf(`{"cart_item_ids":[%d,%d]}`, mine, theirs),
				http.StatusNotFound, "not_found"},
			{"unknown line", `{"cart_item_ids":[987654321]}`, http.StatusNotFound, "not_found"},
			{"empty list", `{"cart_item_ids":[]}`, http.StatusUnprocessableEntity,
				"validation_failed"},
			{"no list", `{}`, http.StatusUnprocessableEntity, "validation_failed"},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := s.Client(t).As(ent.Access)
				c.Do("POST", "/api/v1/orders/quote", tc.body).ExpectProblem(t, tc.status, tc.code)
				placeOrder(c, fmt.Sprintf("reject-%d", i), tc.body).
					ExpectProblem(t, tc.status, tc.code)
			})
		}

		t.Run("line no longer on sale", func(t *testing.T) {
			c := s.Client(t).As(ent.Access)
			gone := addToCart(t, c, specs[1], 1)
			s.Client(t).As(prov.Access).
				Do("DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", specs[1]), nil).
				Expect(t, http.StatusOK)
			body := map[string]any{"cart_item_ids": []int64{mine, gone}}
			var p struct {
				SpecIDs []int64 `json:"spec_ids"`
			}
			c.Do("POST", "/api/v1/orders/quote", body).
				ExpectProblem(t, http.StatusConflict, "line_unavailable")
			r := placeOrder(c, "gone", body)
			r.ExpectProblem(t, http.StatusConflict, "line_unavailable")
			r.Decode(t, &p)
			if diff := cmp.Diff([]int64{specs[1]}, p.SpecIDs); diff != "" {
				t.Fatalf("spec_ids (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]int64{mine, gone}, cartLineIDs(t, c)); diff != "" {
				t.Fatalf("cart (-want +got):\n%s", diff)
			}
		})

		for _, u := range []testkit.User{ent, other} {
			if rows := orderRows(t, s, u.ID); len(rows) != 0 {
				t.Fatalf("orders %+v made by rejected checkouts", rows)
			}
		}
		if ids := cartLineIDs(t, s.Client(t).As(other.Access)); len(ids) != 1 || ids[0] != theirs {
			t.Fatalf("the other enterprise's cart is %v, want [%d]", ids, theirs)
		}
		verifyLedger(t, s)
	})
}

// TestPriceChangedOrdersNothing: when the provider changed a price since
// the quote, the order is refused with the new quote, nothing is stored or
// reserved, and a retry under the same key gets the same refusal.
func TestPriceChangedOrdersNothing(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		prov := s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		_, specs := s.Product(t, prov, leaf, 100000, 40000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		ent := certified(t, s)
		c := s.Client(t).As(ent.Access)
		claim(t, c, policy)
		lines := []int64{addToCart(t, c, specs[0], 2), addToCart(t, c, specs[1], 1)}

		before := quoteOf(t, c, lines...)
		s.Client(t).As(prov.Access).Do("PATCH", fmt.Sprintf("/api/v1/provider/specs/%d", specs[0]),
			map[string]any{"price_fen": 110000}).Expect(t, http.StatusOK)
		now := quoteOf(t, c, lines...)
		if now.PayableFen == before.PayableFen {
			t.Fatalf("payable unchanged by the new price: %+v", now)
		}

		body := map[string]any{"cart_item_ids": lines, "expected_payable_fen": before.PayableFen}
		refused := placeOrder(c, "stale", body)
		refused.ExpectProblem(t, http.StatusConflict, "price_changed")
		var p struct {
			Quote checkoutQuote `json:"quote"`
		}
		refused.Decode(t, &p)
		if diff := cmp.Diff(now, p.Quote); diff != "" {
			t.Fatalf("quote in the problem (-want +got):\n%s", diff)
		}

		if diff := cmp.Diff(lines, cartLineIDs(t, c)); diff != "" {
			t.Fatalf("cart after the refusal (-want +got):\n%s", diff)
		}
		if rows := orderRows(t, s, ent.ID); len(rows) != 0 {
			t.Fatalf("orders %+v stored by a refused checkout", rows)
		}
		if b := claimedBenefit(t, c); b.ReservedFen != 0 {
			t.Fatalf("benefit %+v reserved by a refused checkout", b)
		}

		again := placeOrder(c, "stale", body)
		if again.Status != refused.Status || string(again.Body) != string(refused.Body) {
			t.Fatalf("retry answered %d %s, want the first answer %d %s", again.Status,
				again.Body, refused.Status, refused.Body)
		}
		if placed := placeLines(t, c, "fresh", now, lines...); placed.PayableFen != now.PayableFen {
			t.Fatalf("placed %+v, want the new quote's payable %d", placed, now.PayableFen)
		}
		verifyLedger(t, s)
	})
}

// TestIdempotencyKey: POST /orders needs a key of at most 255 characters;
// a retry with the same key and body gets the first answer, whatever it
// was, and orders nothing more; keys belong to their user.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		p1, p2 := s.NewUser(t, auth.RoleProvider), s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		_, specs1 := s.Product(t, p1, leaf, 100000, 30000, 5000)
		_, specs2 := s.Product(t, p2, leaf, 70000)
		// newEnterprise returns an enterprise with lines of both providers in
		// its cart.
		newEnterprise := func(t *testing.T) (testkit.User, *testkit.Client, []int64) {
			ent := s.NewUser(t, auth.RoleEnterprise)
			c := s.Client(t).As(ent.Access)
			return ent, c, []int64{addToCart(t, c, specs1[0], 1), addToCart(t, c, specs2[0], 1)}
		}

		t.Run("missing key", func(t *testing.T) {
			_, c, lines := newEnterprise(t)
			c.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": lines}, testkit.Raw()).
				ExpectProblem(t, http.StatusBadRequest, "idempotency_key_missing")
		})

		t.Run("key of 256 characters refused, of 255 taken", func(t *testing.T) {
			ent, c, lines := newEnterprise(t)
			body := map[string]any{"cart_item_ids": lines}
			placeOrder(c, strings.Repeat("k", 256), body, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if rows := orderRows(t, s, ent.ID); len(rows) != 0 {
				t.Fatalf("orders %+v under a refused key", rows)
			}
			placeOrder(c, strings.Repeat("k", 255), body).Expect(t, http.StatusCreated)
		})

		t.Run("same key, same JSON written differently", func(t *testing.T) {
			ent, c, lines := newEnterprise(t)
			q := quoteOf(t, c, lines...)
			compact := fmt.Sprintf(`{"cart_item_ids":[%d,%d],"expected_payable_fen":%d}`,
				lines[0], lines[1], q.PayableFen)
			loose := fmt.Sprintf("{\n  \"expected_payable_fen\" : %d ,\n\t"+
				"\"cart_item_ids\": [ %d,\n %d ]\n}", q.PayableFen, lines[0], lines[1])

			first := placeOrder(c, "again", compact).Expect(t, http.StatusCreated)
			var placed checkoutQuote
			first.Decode(t, &placed)
			for _, retry := range []struct{ key, body string }{
				{"again", compact}, {"again", loose}, {`"again"`, loose},
			} {
				r := placeOrder(c, retry.key, retry.body)
				if r.Status != http.StatusCreated || string(r.Body) != string(first.Body) {
					t.Fatalf("retry %q %s answered %d %s, want the first answer %s",
						retry.key, retry.body, r.Status, r.Body, first.Body)
				}
			}
			wantStored(t, orderRows(t, s, ent.ID), placed)
			if n := keysKept(t, s, ent.ID); n != 1 {
				t.Fatalf("%d idempotency keys kept, want 1", n)
			}
		})

		t.Run("same key, another body", func(t *testing.T) {
			ent, c, lines := newEnterprise(t)
			first := map[string]any{"cart_item_ids": lines[:1]}
			placeOrder(c, "one", first).Expect(t, http.StatusCreated)
			for _, other := range []map[string]any{
				{"cart_item_ids": lines[1:]},
				{"cart_item_ids": lines[:1], "expected_payable_fen": 1},
			} {
				placeOrder(c, "one", other).
					ExpectProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
			}
			if rows := orderRows(t, s, ent.ID); len(rows) != 1 {
				t.Fatalf("stored orders %+v, want the first one only", rows)
			}
			if diff := cmp.Diff(lines[1:], cartLineIDs(t, c)); diff != "" {
				t.Fatalf("cart (-want +got):\n%s", diff)
			}
		})

		t.Run("a problem is replayed as it was", func(t *testing.T) {
			ent, c, lines := newEnterprise(t)
			body := map[string]any{"cart_item_ids": lines, "expected_payable_fen": 1}
			first := placeOrder(c, "wrong-total", body)
			first.ExpectProblem(t, http.StatusConflict, "price_changed")
			again := placeOrder(c, "wrong-total", body)
			again.ExpectProblem(t, http.StatusConflict, "price_changed")
			if string(again.Body) != string(first.Body) {
				t.Fatalf("replay %s, want the first answer %s", again.Body, first.Body)
			}
			if rows := orderRows(t, s, ent.ID); len(rows) != 0 {
				t.Fatalf("orders %+v stored by a refused checkout", rows)
			}
		})

		t.Run("keys belong to their user", func(t *testing.T) {
			var ids []int64
			for range 2 {
				ent, c, lines := newEnterprise(t)
				var placed checkoutQuote
				placeOrder(c, "shared-key", map[string]any{"cart_item_ids": lines}).
					Expect(t, http.StatusCreated).Decode(t, &placed)
				wantStored(t, orderRows(t, s, ent.ID), placed)
				ids = append(ids, placed.Orders[0].ID)
			}
			if ids[0] == ids[1] {
				t.Fatalf("the second enterprise got the first one's orders %v", ids)
			}
		})

		t.Run("ordered lines leave the cart, the others stay", func(t *testing.T) {
			_, c, lines := newEnterprise(t)
			kept := addToCart(t, c, specs1[1], 4)
			placeOrder(c, "part", map[string]any{"cart_item_ids": lines}).
				Expect(t, http.StatusCreated)
			if diff := cmp.Diff([]int64{kept}, cartLineIDs(t, c)); diff != "" {
				t.Fatalf("cart (-want +got):\n%s", diff)
			}
		})
		verifyLedger(t, s)
	})
}

// TestOrdersKeepThePolicyVersion: an order records the policy and the
// version it was priced with; an edit of the active policy raises the
// version for later orders only.
func TestOrdersKeepThePolicyVersion(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := newShop(t, driver)
		admin := s.Client(t).As(s.NewUser(t, auth.RoleAdmin).Access)
		prov := s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		_, specs := s.Product(t, prov, leaf, 100000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		ent := certified(t, s)
		c := s.Client(t).As(ent.Access)
		claim(t, c, policy)
		b := claimedBenefit(t, c)

		line := addToCart(t, c, specs[0], 1)
		placeLines(t, c, "v1", quoteOf(t, c, line), line)
		var edited struct {
			Version int `json:"version"`
		}
		admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/policies/%d", policy),
			map[string]any{"description": "第二版说明"}).Expect(t, http.StatusOK).Decode(t, &edited)
		if edited.Version != 2 {
			t.Fatalf("policy version %d after an edit, want 2", edited.Version)
		}
		line = addToCart(t, c, specs[0], 1)
		q := quoteOf(t, c, line)
		if v := q.Orders[0].PolicyVersion; v == nil || *v != 2 {
			t.Fatalf("quote %+v, want policy version 2", q.Orders[0])
		}
		placeLines(t, c, "v2", q, line)

		type priced struct {
			BenefitID, PolicyID   *int64
			PolicyVersion         *int
			DiscountRate          *int
			PerOrderCapFen        *int64
			DiscountFen           int64
			PolicyNameSet, Reason bool
		}
		var got []priced
		for _, r := range orderRows(t, s, ent.ID) {
			got = append(got, priced{BenefitID: r.BenefitID, PolicyID: r.PolicyID,
				PolicyVersion: r.PolicyVersion, DiscountRate: r.DiscountRate,
				PerOrderCapFen: r.PerOrderCapFen, DiscountFen: r.DiscountFen,
				PolicyNameSet: r.PolicyName != nil && *r.PolicyName != "",
				Reason:        r.NoDiscountReason != nil})
		}
		want := []priced{
			{BenefitID: &b.ID, PolicyID: &policy, PolicyVersion: ptr(1), DiscountRate: ptr(3000),
				PerOrderCapFen: ptr[int64](500000), DiscountFen: 30000, PolicyNameSet: true},
			{BenefitID: &b.ID, PolicyID: &policy, PolicyVersion: ptr(2), DiscountRate: ptr(3000),
				PerOrderCapFen: ptr[int64](500000), DiscountFen: 30000, PolicyNameSet: true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("stored orders (-want +got):\n%s", diff)
		}
		verifyLedger(t, s)
	})
}
