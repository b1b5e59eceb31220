package carthttp_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// line is a cart line as the wire carries it, decoded independently of
// the package's own types.
type line struct {
	ID                int64   `json:"id"`
	SpecID            int64   `json:"spec_id"`
	SpecName          string  `json:"spec_name"`
	Quantity          int     `json:"quantity"`
	PriceFen          int64   `json:"price_fen"`
	BillingUnit       string  `json:"billing_unit"`
	LineTotalFen      int64   `json:"line_total_fen"`
	ProductID         int64   `json:"product_id"`
	ProductName       string  `json:"product_name"`
	CoverURL          *string `json:"cover_url"`
	ProviderID        int64   `json:"provider_id"`
	ProviderName      string  `json:"provider_name"`
	Available         bool    `json:"available"`
	UnavailableReason *string `json:"unavailable_reason"`
}

// state is what a test checks of a line most often.
type state struct {
	SpecID    int64
	Quantity  int
	Available bool
	Reason    string
}

func states(lines []line) []state {
	out := []state{}
	for _, l := range lines {
		s := state{SpecID: l.SpecID, Quantity: l.Quantity, Available: l.Available}
		if l.UnavailableReason != nil {
			s.Reason = *l.UnavailableReason
		}
		out = append(out, s)
	}
	return out
}

// world is a running server with an approved provider and a category to
// sell in.
type world struct {
	s    *testkit.Server
	prov testkit.User
	leaf int64
}

func (w *world) as(t *testing.T, u testkit.User) *testkit.Client {
	return w.s.Client(t).As(u.Access)
}

// product makes a published product of the provider with a monthly spec
// per price.
func (w *world) product(t *testing.T, prices ...int64) (int64, []int64) {
	t.Helper()
	return w.s.Product(t, w.prov, w.leaf, prices...)
}

func add(c *testkit.Client, spec int64, quantity int) *testkit.Response {
	return c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": spec, "quantity": quantity})
}

func addLine(t *testing.T, c *testkit.Client, spec int64, quantity int) line {
	t.Helper()
	var l line
	add(c, spec, quantity).Expect(t, http.StatusCreated).Decode(t, &l)
	return l
}

func setQuantity(c *testkit.Client, id int64, quantity int) *testkit.Response {
	return c.Do("PATCH", fmt.Sprintf("/api/v1/cart/items/%d", id), map[string]any{"quantity": quantity})
}

func remove(c *testkit.Client, id int64) *testkit.Response {
	return c.Do("DELETE", fmt.Sprintf("/api/v1/cart/items/%d", id), nil)
}

func cartOf(t *testing.T, c *testkit.Client) []line {
	t.Helper()
	var lines []line
	c.Do("GET", "/api/v1/cart", nil).Expect(t, http.StatusOK).Decode(t, &lines)
	if lines == nil {
		t.Fatal("cart is null, want a list")
	}
	return lines
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

func invalid(t *testing.T, r *testkit.Response, field string) {
	t.Helper()
	p := r.ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	if diff := cmp.Diff([]string{field}, fields(p)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestCart(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		_, leaf := s.Category(t)
		w := &world{s: s, prov: s.NewUser(t, auth.RoleProvider), leaf: leaf}

		t.Run("add and add again", func(t *testing.T) {
			t.Parallel()
			product, specs := w.product(t, 1000, 2500)
			c := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			if got := cartOf(t, c); len(got) != 0 {
				t.Fatalf("new cart %+v, want empty", got)
			}

			first := addLine(t, c, specs[0], 2)
			want := line{ID: first.ID, SpecID: specs[0], SpecName: "规格1", Quantity: 2,
				PriceFen: 1000, BillingUnit: "month", LineTotalFen: 2000, ProductID: product,
				ProductName: first.ProductName, ProviderID: w.prov.ID,
				ProviderName: "测试企业" + w.prov.Username, Available: true}
			if diff := cmp.Diff(want, first); diff != "" || first.ProductName == "" {
				t.Errorf("added line (-want +got):\n%s", diff)
			}

			// The same spec again adds to its line.
			again := addLine(t, c, specs[0], 3)
			want.Quantity, want.LineTotalFen = 5, 5000
			if diff := cmp.Diff(want, again); diff != "" {
				t.Errorf("added again (-want +got):\n%s", diff)
			}
			second := addLine(t, c, specs[1], 1)
			if second.ID == first.ID || second.LineTotalFen != 2500 {
				t.Errorf("second spec %+v", second)
			}
			got := cartOf(t, c)
			wantCart := []line{want, second}
			if diff := cmp.Diff(wantCart, got); diff != "" {
				t.Errorf("cart (-want +got):\n%s", diff)
			}
		})

		t.Run("quantities", func(t *testing.T) {
			t.Parallel()
			_, specs := w.product(t, 100)
			c := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			for _, q := range []int{0, -1, 10000} {
				invalid(t, add(c, specs[0], q), "quantity")
			}
			invalid(t, c.Do("POST", "/api/v1/cart/items", map[string]any{"quantity": 1}, testkit.Raw()),
				"spec_id")
			c.Do("POST", "/api/v1/cart/items", `{"spec_id": "1", "quantity": 1}`).
				ExpectProblem(t, http.StatusBadRequest, "malformed_body")

			l := addLine(t, c, specs[0], 9000)
			invalid(t, add(c, specs[0], 1000), "quantity") // 10,000 in all
			if got := states(cartOf(t, c)); !cmp.Equal([]state{{specs[0], 9000, true, ""}}, got) {
				t.Errorf("a refused add changed the cart: %+v", got)
			}
			if got := addLine(t, c, specs[0], 999); got.Quantity != 9999 || got.ID != l.ID {
				t.Errorf("filled to the limit: %+v", got)
			}
			for _, q := range []int{0, -5, 10000} {
				invalid(t, setQuantity(c, l.ID, q), "quantity")
			}
			var got line
			setQuantity(c, l.ID, 1).Expect(t, http.StatusOK).Decode(t, &got)
			if got.Quantity != 1 || got.LineTotalFen != 100 {
				t.Errorf("after setting 1: %+v", got)
			}
		})

		t.Run("specs not on sale", func(t *testing.T) {
			t.Parallel()
			c := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			prov := w.as(t, w.prov)
			add(c, 99999999, 1).ExpectProblem(t, http.StatusNotFound, "not_found")

			var draft, draftSpec struct {
				ID int64 `json:"id"`
			}
			prov.Do("POST", "/api/v1/provider/products", map[string]any{"category_id": w.leaf,
				"name": "未发布的云主机", "summary": "草稿", "description": "草稿"}).
				Expect(t, http.StatusCreated).Decode(t, &draft)
			prov.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/specs", draft.ID),
				map[string]any{"name": "基础版", "price_fen": 9900, "billing_unit": "month"}).
				Expect(t, http.StatusCreated).Decode(t, &draftSpec)
			add(c, draftSpec.ID, 1).ExpectProblem(t, http.StatusConflict, "line_unavailable")

			product, specs := w.product(t, 100, 200)
			prov.Do("DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", specs[0]), nil).
				Expect(t, http.StatusOK)
			add(c, specs[0], 1).ExpectProblem(t, http.StatusConflict, "line_unavailable")
			prov.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/unpublish", product), nil).
				Expect(t, http.StatusOK)
			add(c, specs[1], 1).ExpectProblem(t, http.StatusConflict, "line_unavailable")
			if got := cartOf(t, c); len(got) != 0 {
				t.Errorf("cart %+v, want empty", got)
			}
		})

		t.Run("availability follows the catalog", func(t *testing.T) {
			t.Parallel()
			c := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			prov := w.as(t, w.prov)
			first, specs := w.product(t, 100, 200)
			second, others := w.product(t, 300)
			for _, id := range []int64{specs[0], specs[1], others[0]} {
				addLine(t, c, id, 1)
			}
			check := func(t *testing.T, want []state) {
				t.Helper()
				if diff := cmp.Diff(want, states(cartOf(t, c))); diff != "" {
					t.Errorf("cart (-want +got):\n%s", diff)
				}
			}
			check(t, []state{{specs[0], 1, true, ""}, {specs[1], 1, true, ""},
				{others[0], 1, true, ""}})

			prov.Do("DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", specs[0]), nil).
				Expect(t, http.StatusOK)
			check(t, []state{{specs[0], 1, false, "spec_inactive"}, {specs[1], 1, true, ""},
				{others[0], 1, true, ""}})

			prov.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/unpublish", second), nil).
				Expect(t, http.StatusOK)
			check(t, []state{{specs[0], 1, false, "spec_inactive"}, {specs[1], 1, true, ""},
				{others[0], 1, false, "product_unavailable"}})

			// A product gone matters more than a spec gone.
			prov.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/unpublish", first), nil).
				Expect(t, http.StatusOK)
			check(t, []state{{specs[0], 1, false, "product_unavailable"},
				{specs[1], 1, false, "product_unavailable"}, {others[0], 1, false, "product_unavailable"}})

			// Back on sale, back in business.
			for _, id := range []int64{first, second} {
				prov.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/publish", id), nil).
					Expect(t, http.StatusOK)
			}
			prov.Do("PATCH", fmt.Sprintf("/api/v1/provider/specs/%d", specs[0]),
				map[string]any{"active": true}).Expect(t, http.StatusOK)
			check(t, []state{{specs[0], 1, true, ""}, {specs[1], 1, true, ""},
				{others[0], 1, true, ""}})
		})

		t.Run("change and remove", func(t *testing.T) {
			t.Parallel()
			_, specs := w.product(t, 150, 250)
			c := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			kept := addLine(t, c, specs[0], 1)
			gone := addLine(t, c, specs[1], 1)

			var got line
			setQuantity(c, kept.ID, 4).Expect(t, http.StatusOK).Decode(t, &got)
			if got.ID != kept.ID || got.Quantity != 4 || got.LineTotalFen != 600 {
				t.Errorf("after setting 4: %+v", got)
			}
			// Setting what is already there is no error either.
			setQuantity(c, kept.ID, 4).Expect(t, http.StatusOK).Decode(t, &got)
			if got.Quantity != 4 {
				t.Errorf("after setting 4 again: %+v", got)
			}

			remove(c, gone.ID).Expect(t, http.StatusNoContent)
			remove(c, gone.ID).ExpectProblem(t, http.StatusNotFound, "not_found")
			setQuantity(c, gone.ID, 2).ExpectProblem(t, http.StatusNotFound, "not_found")
			for _, bad := range []string{"0", "-1", "abc"} {
				c.Do("DELETE", "/api/v1/cart/items/"+bad, nil, testkit.Raw()).
					ExpectProblem(t, http.StatusNotFound, "not_found")
			}
			if diff := cmp.Diff([]state{{specs[0], 4, true, ""}}, states(cartOf(t, c))); diff != "" {
				t.Errorf("cart (-want +got):\n%s", diff)
			}
			// A removed spec can be added afresh.
			if l := addLine(t, c, specs[1], 2); l.Quantity != 2 {
				t.Errorf("re-added %+v", l)
			}
		})

		t.Run("others' lines are not found", func(t *testing.T) {
			t.Parallel()
			_, specs := w.product(t, 100)
			owner := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			other := w.as(t, w.s.NewUser(t, auth.RoleEnterprise))
			l := addLine(t, owner, specs[0], 3)

			setQuantity(other, l.ID, 1).ExpectProblem(t, http.StatusNotFound, "not_found")
			remove(other, l.ID).ExpectProblem(t, http.StatusNotFound, "not_found")
			if got := cartOf(t, other); len(got) != 0 {
				t.Errorf("other's cart %+v, want empty", got)
			}
			if diff := cmp.Diff([]state{{specs[0], 3, true, ""}}, states(cartOf(t, owner))); diff != "" {
				t.Errorf("owner's cart (-want +got):\n%s", diff)
			}
		})

		t.Run("at most 100 lines", func(t *testing.T) {
			t.Parallel()
			prices := make([]int64, 101)
			for i := range prices {
				prices[i] = int64(100 + i)
			}
			_, specs := w.product(t, prices...)
			ent := w.s.NewUser(t, auth.RoleEnterprise)
			c := w.as(t, ent)
			first := addLine(t, c, specs[0], 1)
			// The 98 lines between go through the service, to save time.
			who := auth.Principal{UserID: ent.ID, Role: auth.RoleEnterprise}
			for _, id := range specs[1:99] {
				if _, err := w.s.App.Cart.Add(t.Context(), who, id, 1); err != nil {
					t.Fatal(err)
				}
			}
			addLine(t, c, specs[99], 1)
			invalid(t, add(c, specs[100], 1), "spec_id")
			if l := addLine(t, c, specs[0], 1); l.Quantity != 2 {
				t.Errorf("adding to a line of a full cart: %+v", l)
			}
			if got := cartOf(t, c); len(got) != 100 {
				t.Fatalf("cart holds %d lines, want 100", len(got))
			}
			remove(c, first.ID).Expect(t, http.StatusNoContent)
			addLine(t, c, specs[100], 1)
			got := cartOf(t, c)
			ids := []int64{}
			for _, l := range got {
				ids = append(ids, l.SpecID)
			}
			if diff := cmp.Diff(specs[1:], ids, cmpopts.SortSlices(func(a, b int64) bool {
				return a < b
			})); diff != "" {
				t.Errorf("cart specs (-want +got):\n%s", diff)
			}
		})

		t.Run("enterprises only", func(t *testing.T) {
			t.Parallel()
			w.as(t, w.prov).Do("GET", "/api/v1/cart", nil).
				ExpectProblem(t, http.StatusForbidden, "forbidden")
		})
	})
}
