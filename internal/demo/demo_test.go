package demo_test

import (
	"context"
	"net/http"
	"testing"

	"shangyun/internal/demo"
	"shangyun/internal/testkit"
)

// The demo data loads on an empty database, loads again without change,
// and every demo account signs in with its printed password.
func TestSeedTwiceAndSignIn(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		for range 2 {
			if err := demo.Seed(context.Background(), s.App); err != nil {
				t.Fatal(err)
			}
		}
		tokens := map[string]string{}
		for _, a := range demo.Accounts {
			var out struct {
				AccessToken string `json:"access_token"`
			}
			s.Client(t).Do("POST", "/api/v1/auth/login",
				map[string]string{"login": a.Username, "password": a.Password}).
				Expect(t, http.StatusOK).Decode(t, &out)
			tokens[a.Username] = out.AccessToken
		}

		var me struct {
			Certification struct {
				Status string `json:"status"`
			} `json:"certification"`
		}
		s.Client(t).As(tokens["demo_enterprise"]).Do("GET", "/api/v1/me", nil).
			Expect(t, 200).Decode(t, &me)
		if me.Certification.Status != "approved" {
			t.Errorf("demo enterprise certification %q, want approved", me.Certification.Status)
		}
		var queue struct {
			Total int64 `json:"total"`
		}
		s.Client(t).As(tokens["demo_reviewer_js"]).
			Do("GET", "/api/v1/review/certifications?status=pending", nil).
			Expect(t, 200).Decode(t, &queue)
		if queue.Total != 1 {
			t.Errorf("金水区 reviewer sees %d pending, want 1", queue.Total)
		}

		var tree []struct {
			Children []struct {
				ID int64 `json:"id"`
			} `json:"children"`
		}
		s.Client(t).Do("GET", "/api/v1/categories", nil).Expect(t, 200).Decode(t, &tree)
		leaves := 0
		for _, top := range tree {
			leaves += len(top.Children)
		}
		var products struct {
			Total int64 `json:"total"`
		}
		s.Client(t).Do("GET", "/api/v1/products", nil).Expect(t, 200).Decode(t, &products)
		var ben struct {
			Offers  []any `json:"offers"`
			Claimed []any `json:"claimed"`
		}
		s.Client(t).As(tokens["demo_enterprise"]).Do("GET", "/api/v1/benefits", nil).
			Expect(t, 200).Decode(t, &ben)
		if len(ben.Claimed) != 1 || len(ben.Offers) != 1 {
			t.Errorf("demo enterprise: %d claimed, %d offered; want 1 and 1 (the city policy)",
				len(ben.Claimed), len(ben.Offers))
		}
		var list struct {
			Items []struct {
				Status string `json:"status"`
			} `json:"items"`
		}
		s.Client(t).As(tokens["demo_enterprise"]).Do("GET", "/api/v1/orders", nil).
			Expect(t, 200).Decode(t, &list)
		statuses := map[string]bool{}
		for _, o := range list.Items {
			statuses[o.Status] = true
		}
		if len(statuses) != 7 {
			t.Errorf("demo orders cover %v; want all seven statuses", statuses)
		}
		if err := s.App.Benefits.Verify(context.Background()); err != nil {
			t.Error(err)
		}
		if len(tree) != 6 || leaves != 20 || products.Total != 9 {
			t.Errorf("catalog: %d areas, %d leaves, %d products; want 6, 20, 9",
				len(tree), leaves, products.Total)
		}
	})
}
