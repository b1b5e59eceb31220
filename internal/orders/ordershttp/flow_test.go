package ordershttp_test

import (
	"fmt"
	"net/http"
	"testing"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

type quote struct {
	Orders []struct {
		ID               int64   `json:"id"`
		Status           string  `json:"status"`
		ProviderID       int64   `json:"provider_id"`
		SubtotalFen      int64   `json:"subtotal_fen"`
		DiscountFen      int64   `json:"discount_fen"`
		PayableFen       int64   `json:"payable_fen"`
		NoDiscountReason *string `json:"no_discount_reason"`
	} `json:"orders"`
	SubtotalFen int64 `json:"subtotal_fen"`
	DiscountFen int64 `json:"discount_fen"`
	PayableFen  int64 `json:"payable_fen"`
}

// The journey of the manual: certify, claim, fill the cart, see the
// discount in the quote, order, and find the cart emptied and the quota
// reserved.
func TestClaimQuoteAndOrder(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		ent := s.NewUser(t, auth.RoleEnterprise)
		prov := s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		_, specs := s.Product(t, prov, leaf, 100000, 2000000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		c := s.Client(t).As(ent.Access)

		c.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", policy), nil).
			ExpectProblem(t, http.StatusForbidden, "certification_required")
		s.Certify(t, ent)
		c.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", policy), nil).Expect(t, 200)
		c.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", policy), nil).
			ExpectProblem(t, 409, "already_claimed")

		var line struct {
			ID int64 `json:"id"`
		}
		c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": specs[0], "quantity": 2}).
			Expect(t, 201).Decode(t, &line)
		var q quote
		c.Do("POST", "/api/v1/orders/quote", map[string]any{"cart_item_ids": []int64{line.ID}}).
			Expect(t, 200).Decode(t, &q)
		// 2 × ¥1,000 = ¥2,000; 30% = ¥600, under the ¥5,000 cap.
		if q.SubtotalFen != 200000 || q.DiscountFen != 60000 || q.PayableFen != 140000 {
			t.Fatalf("quote %+v", q)
		}

		body := map[string]any{"cart_item_ids": []int64{line.ID}, "expected_payable_fen": 140000}
		c.Do("POST", "/api/v1/orders", body, testkit.Raw()).ExpectProblem(t, 400, "idempotency_key_missing")
		var placed quote
		c.Do("POST", "/api/v1/orders", body, testkit.Header("Idempotency-Key", "k-1")).
			Expect(t, 201).Decode(t, &placed)
		if len(placed.Orders) != 1 || placed.Orders[0].ID == 0 || placed.Orders[0].Status != "submitted" {
			t.Fatalf("placed %+v", placed)
		}
		var again quote
		c.Do("POST", "/api/v1/orders", body, testkit.Header("Idempotency-Key", `"k-1"`)).
			Expect(t, 201).Decode(t, &again)
		if again.Orders[0].ID != placed.Orders[0].ID {
			t.Fatalf("replay made another order: %+v", again)
		}
		c.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": []int64{line.ID + 1}},
			testkit.Header("Idempotency-Key", "k-1")).ExpectProblem(t, 422, "idempotency_key_reused")

		var cart []any
		c.Do("GET", "/api/v1/cart", nil).Expect(t, 200).Decode(t, &cart)
		var ben struct {
			Claimed []struct {
				ReservedFen  int64 `json:"reserved_fen"`
				RemainingFen int64 `json:"remaining_fen"`
			} `json:"claimed"`
		}
		c.Do("GET", "/api/v1/benefits", nil).Expect(t, 200).Decode(t, &ben)
		if len(cart) != 0 || ben.Claimed[0].ReservedFen != 60000 || ben.Claimed[0].RemainingFen != 940000 {
			t.Fatalf("cart %v, benefits %+v", cart, ben)
		}
		if err := s.App.Benefits.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
