package ordershttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

type stgRating struct {
	Average float64 `json:"average"`
	Count   int     `json:"count"`
}

type stgEvaluationBody struct {
	ID          int64  `json:"id"`
	OrderID     int64  `json:"order_id"`
	ProductID   int64  `json:"product_id"`
	CompanyName string `json:"company_name"`
	Rating      int    `json:"rating"`
	UsageReport string `json:"usage_report"`
}

func stgEvaluate(t *testing.T, c *testkit.Client, id int64, rating int, report string,
	opts ...testkit.Option) *testkit.Response {
	t.Helper()
	return c.Do("POST", fmt.Sprintf("/api/v1/orders/%d/evaluation", id),
		map[string]any{"rating": rating, "usage_report": report}, opts...)
}

// An order is evaluated once, when completed, by its enterprise alone,
// with a rating of 1 to 5 and a usage report of 10 to 2000 characters.
func TestStageEvaluationRules(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		done := w.orderAt(t, w.ent, orders.StatusCompleted)
		ec := w.as(t, w.ent)
		const report = "运行稳定，服务及时，值得推荐。"

		for _, st := range []string{orders.StatusSubmitted, orders.StatusContractPending,
			orders.StatusInProgress, orders.StatusCompletionReported, orders.StatusCancelled} {
			o := w.orderAt(t, w.ent, st)
			p := stgEvaluate(t, ec, o.ID, 5, report).
				ExpectProblem(t, http.StatusConflict, "invalid_transition")
			if !strings.Contains(p.Detail, st) {
				t.Errorf("%s: detail %q does not name the status", st, p.Detail)
			}
		}
		stgEvaluate(t, w.as(t, w.enterprise(t)), done.ID, 5, report).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		for _, u := range []testkit.User{w.prov, w.s.NewUser(t, auth.RoleAdmin)} {
			stgEvaluate(t, w.as(t, u), done.ID, 5, report).
				ExpectProblem(t, http.StatusForbidden, "forbidden")
		}
		stgEvaluate(t, w.s.Client(t), done.ID, 5, report).
			ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")

		bad := []struct {
			rating int
			report string
			field  string
		}{
			{0, report, "rating"},
			{6, report, "rating"},
			{-1, report, "rating"},
			{5, "一二三四五六七八九", "usage_report"},
			{5, "  一二三四五六七八九  ", "usage_report"},
			{5, strings.Repeat("好", 2001), "usage_report"},
		}
		for _, b := range bad {
			p := stgEvaluate(t, ec, done.ID, b.rating, b.report).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			stgExpectField(t, p, b.field)
		}

		var got stgEvaluationBody
		stgEvaluate(t, ec, done.ID, 1, "一二三四五六七八九十").Expect(t, http.StatusCreated).
			Decode(t, &got)
		want := stgEvaluationBody{ID: got.ID, OrderID: done.ID, ProductID: w.product, Rating: 1,
			UsageReport: "一二三四五六七八九十"}
		if diff := cmp.Diff(want, got); diff != "" || got.ID == 0 {
			t.Errorf("evaluation (-want +got):\n%s", diff)
		}
		stgEvaluate(t, ec, done.ID, 5, report).
			ExpectProblem(t, http.StatusConflict, "already_evaluated")
	})
}

// A product's evaluations are public, newest first and paginated; its
// rating averages them; sorting the catalog by rating puts the best rated
// first and the unrated last.
func TestStageEvaluationsListAndRating(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		best, bestSpecs := w.s.Product(t, w.prov, w.leaf, 50000)
		unrated, _ := w.s.Product(t, w.prov, w.leaf, 50000)
		ent2 := w.enterprise(t)

		first := w.orderAt(t, w.ent, orders.StatusCompleted)
		second := w.orderAt(t, ent2, orders.StatusCompleted)
		other := w.place(t, w.ent, bestSpecs[0])
		w.walk(t, other, orders.StatusCompleted)
		stgEvaluate(t, w.as(t, w.ent), first.ID, 4, "第一份使用报告，运行稳定。").
			Expect(t, http.StatusCreated)
		stgEvaluate(t, w.as(t, ent2), second.ID, 2, "第二份使用报告，响应偏慢。").
			Expect(t, http.StatusCreated)
		stgEvaluate(t, w.as(t, w.ent), other.ID, 5, "另一产品的报告，非常满意。").
			Expect(t, http.StatusCreated)

		anon := w.s.Client(t)
		path := fmt.Sprintf("/api/v1/products/%d/evaluations", w.product)
		var walked []int64
		for page := 1; page <= 3; page++ {
			var p struct {
				Items []stgEvaluationBody `json:"items"`
				Total int64               `json:"total"`
			}
			anon.Do("GET", fmt.Sprintf("%s?page_size=1&page=%d", path, page), nil).
				Expect(t, http.StatusOK).Decode(t, &p)
			if p.Total != 2 || (page <= 2) != (len(p.Items) == 1) || p.Items == nil {
				t.Fatalf("page %d: %+v, want total 2 and one item a page, then none", page, p)
			}
			for _, e := range p.Items {
				walked = append(walked, e.OrderID)
				if e.ProductID != w.product || e.CompanyName == "" {
					t.Errorf("evaluation %+v: want product %d and the company", e, w.product)
				}
			}
		}
		if diff := cmp.Diff([]int64{second.ID, first.ID}, walked); diff != "" {
			t.Errorf("evaluations, newest first (-want +got):\n%s", diff)
		}
		anon.Do("GET", path+"?page_size=0", nil, testkit.Raw()).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")

		ratings := map[int64]stgRating{}
		for _, id := range []int64{w.product, best, unrated} {
			var p struct {
				Rating stgRating `json:"rating"`
			}
			anon.Do("GET", fmt.Sprintf("/api/v1/products/%d", id), nil).Expect(t, http.StatusOK).
				Decode(t, &p)
			ratings[id] = p.Rating
		}
		wantRatings := map[int64]stgRating{w.product: {3, 2}, best: {5, 1}, unrated: {0, 0}}
		if diff := cmp.Diff(wantRatings, ratings); diff != "" {
			t.Errorf("ratings (-want +got):\n%s", diff)
		}

		var list struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		anon.Do("GET", fmt.Sprintf("/api/v1/products?sort=rating&provider_id=%d", w.prov.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &list)
		got := []int64{}
		for _, p := range list.Items {
			got = append(got, p.ID)
		}
		if diff := cmp.Diff([]int64{best, w.product, unrated}, got); diff != "" {
			t.Errorf("catalog by rating (-want +got):\n%s", diff)
		}
	})
}
