package cataloghttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

func TestProductListFilters(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		mail := w.category(t, "企业邮箱", w.top.ID)
		a, b := w.s.NewUser(t, auth.RoleProvider), w.s.NewUser(t, auth.RoleProvider)

		vm := w.published(t, a, w.leaf.ID, "弹性云主机", "按需付费的企业级云服务器", 3000).ID
		box := w.published(t, a, mail.ID, "企业邮箱", "安全稳定的办公邮件", 1000).ID
		backup := w.published(t, b, w.leaf.ID, "整机备份", "适合云主机的数据备份", 2000).ID
		odd := w.published(t, b, mail.ID, "100%可用_邮件套餐", "", 500).ID
		w.draft(t, b, w.leaf.ID, "云主机草稿", "草稿不公开")

		cases := []struct {
			query string
			want  []int64
		}{
			{"", []int64{odd, backup, box, vm}},
			{"?category_id=%d", []int64{backup, vm}},
			{"?category_id=" + fmt.Sprint(mail.ID), []int64{odd, box}},
			{"?category_id=" + fmt.Sprint(w.top.ID), []int64{}},
			{"?provider_id=" + fmt.Sprint(a.ID), []int64{box, vm}},
			{fmt.Sprintf("?provider_id=%d&category_id=%d", b.ID, mail.ID), []int64{odd}},
			{"?provider_id=999999", []int64{}},
			{"?q=" + url.QueryEscape("云主机"), []int64{backup, vm}},
			{"?q=" + url.QueryEscape("弹性云主机"), []int64{vm}},
			{"?q=" + url.QueryEscape("邮箱"), []int64{box}},
			{"?q=" + url.QueryEscape("数据备份"), []int64{backup}},
			{"?q=" + url.QueryEscape("草稿"), []int64{}},
			{"?q=" + url.QueryEscape("%"), []int64{odd}},
			{"?q=" + url.QueryEscape("_"), []int64{odd}},
			{"?q=" + url.QueryEscape("0%可用_"), []int64{odd}},
			{"?q=" + url.QueryEscape("云%机"), []int64{}},
			{"?q=" + url.QueryEscape("弹性_主机"), []int64{}},
			{"?q=" + url.QueryEscape("!"), []int64{}},
			{fmt.Sprintf("?q=%s&category_id=%d", url.QueryEscape("云主机"), w.leaf.ID),
				[]int64{backup, vm}},
			{fmt.Sprintf("?q=%s&provider_id=%d", url.QueryEscape("云主机"), a.ID), []int64{vm}},
		}
		cases[1].query = fmt.Sprintf(cases[1].query, w.leaf.ID)
		for _, tc := range cases {
			page := w.list(t, tc.query)
			if diff := cmp.Diff(tc.want, ids(page)); diff != "" || page.Total != int64(len(tc.want)) {
				t.Errorf("GET /api/v1/products%s: total %d (-want +got):\n%s", tc.query, page.Total,
					diff)
			}
		}

		// The provider's own list filters the same way, drafts included.
		var own productPage
		w.as(t, b).Do("GET", "/api/v1/provider/products?q="+url.QueryEscape("云主机"), nil).
			Expect(t, http.StatusOK).Decode(t, &own)
		if own.Total != 2 || own.Items[0].Status != "draft" || own.Items[1].ID != backup {
			t.Errorf("own list %+v", own)
		}

		bad := []struct{ query, field string }{
			{"?sort=cheapest", "sort"},
			{"?category_id=abc", "category_id"},
			{"?category_id=0", "category_id"},
			{"?category_id=-3", "category_id"},
			{"?provider_id=x", "provider_id"},
			{"?q=" + strings.Repeat("云", 51), "q"},
		}
		for _, tc := range bad {
			p := w.s.Client(t).Do("GET", "/api/v1/products"+tc.query, nil, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("%s: errors %+v, want one on %s", tc.query, p.Errors, tc.field)
			}
		}
	})
}

func TestProductListOrderAndPages(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)

		// Prices are the lowest active spec: p1 has a dearer spec too, p6
		// a cheaper one that is inactive.
		prices := [][]int64{{3000, 9000}, {1000}, {3000}, {500}, {1000}, {8000, 100}}
		var p [7]int64
		for i, ps := range prices {
			p[i+1] = w.published(t, prov, w.leaf.ID, fmt.Sprintf("产品%d", i+1), "", ps...).ID
		}
		off := w.ownProduct(t, prov, p[6]).Specs[0]
		if off.PriceFen != 100 {
			t.Fatalf("p6's cheapest spec is %+v", off)
		}
		w.as(t, prov).Do("DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", off.ID), nil).
			Expect(t, http.StatusOK)

		// Evaluations come later; set ratings directly. p1 and p3 tie at 4.5.
		for _, r := range []struct {
			id           int64
			count, total int
		}{{p[1], 2, 9}, {p[2], 1, 5}, {p[3], 4, 18}} {
			w.exec(t, "UPDATE products SET rating_count = ?, rating_total = ? WHERE id = ?",
				r.count, r.total, r.id)
		}

		newest := []int64{p[6], p[5], p[4], p[3], p[2], p[1]}
		orders := []struct {
			sort string
			want []int64
		}{
			{"", newest},
			{"newest", newest},
			{"price_asc", []int64{p[4], p[5], p[2], p[3], p[1], p[6]}},
			{"price_desc", []int64{p[6], p[3], p[1], p[5], p[2], p[4]}},
			{"rating", []int64{p[2], p[3], p[1], p[6], p[5], p[4]}},
		}
		for _, tc := range orders {
			t.Run("sort="+tc.sort, func(t *testing.T) {
				t.Parallel()
				q := url.Values{}
				if tc.sort != "" { // absent, not empty: the document allows no ""
					q.Set("sort", tc.sort)
				}
				page := w.list(t, "?"+q.Encode())
				if diff := cmp.Diff(tc.want, ids(page)); diff != "" {
					t.Errorf("order (-want +got):\n%s", diff)
				}
				// The same order, one item a page, walks every item once.
				var walked []int64
				for n := 1; n <= len(tc.want)+1; n++ {
					q.Set("page", fmt.Sprint(n))
					q.Set("page_size", "1")
					one := w.list(t, "?"+q.Encode())
					if one.Total != 6 || one.Page != n || one.PageSize != 1 {
						t.Errorf("page %d: %+v", n, one)
					}
					walked = append(walked, ids(one)...)
				}
				if diff := cmp.Diff(tc.want, walked); diff != "" {
					t.Errorf("page by page (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("fields", func(t *testing.T) {
			t.Parallel()
			want := map[int64][3]float64{ // lowest price, rating average, count
				p[1]: {3000, 4.5, 2}, p[2]: {1000, 5, 1}, p[3]: {3000, 4.5, 4},
				p[4]: {500, 0, 0}, p[5]: {1000, 0, 0}, p[6]: {8000, 0, 0},
			}
			got := map[int64][3]float64{}
			for _, item := range w.list(t, "").Items {
				got[item.ID] = [3]float64{float64(*item.LowestPriceFen), item.Rating.Average,
					float64(item.Rating.Count)}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("price and rating (-want +got):\n%s", diff)
			}
		})
		t.Run("pages", func(t *testing.T) {
			t.Parallel()
			page := w.list(t, "?page=2&page_size=4")
			if diff := cmp.Diff(newest[4:], ids(page)); diff != "" || page.Total != 6 {
				t.Errorf("second page of 4 (-want +got):\n%s", diff)
			}
			past := w.s.Client(t).Do("GET", "/api/v1/products?page=9&page_size=5", nil).
				Expect(t, http.StatusOK)
			if !strings.Contains(string(past.Body), `"items":[]`) {
				t.Errorf("page past the end: %s, want items []", past.Body)
			}
			var decoded productPage
			past.Decode(t, &decoded)
			if decoded.Total != 6 || decoded.Page != 9 || decoded.PageSize != 5 {
				t.Errorf("page past the end: %+v, want the true total", decoded)
			}
			if all := w.list(t, "?page_size=100"); all.Total != 6 || len(all.Items) != 6 {
				t.Errorf("page_size=100: %+v", all)
			}
			if def := w.list(t, ""); def.Page != 1 || def.PageSize != 20 {
				t.Errorf("defaults page %d, page_size %d", def.Page, def.PageSize)
			}
			for _, q := range []string{"page=0", "page=-1", "page=x", "page_size=0",
				"page_size=101", "page_size=", "page=1.5"} {
				w.s.Client(t).Do("GET", "/api/v1/products?"+q, nil, testkit.Raw()).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			}
		})
	})
}
