package cataloghttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

func TestDraftIsSeenByItsOwnerOnly(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		owner := w.s.NewUser(t, auth.RoleProvider)
		viewers := map[string]testkit.User{
			"enterprise":     w.s.NewUser(t, auth.RoleEnterprise),
			"other provider": w.s.NewUser(t, auth.RoleProvider),
			"reviewer":       w.s.NewUser(t, auth.RoleReviewer),
			"admin":          w.admin,
			"owner":          owner,
		}
		p := w.draft(t, owner, w.leaf.ID, "弹性云主机", "按需付费")
		w.addSpec(t, owner, p.ID, 9900)
		public := fmt.Sprintf("/api/v1/products/%d", p.ID)

		// seen checks the public route answers want to everyone.
		seen := func(t *testing.T, want int) {
			t.Helper()
			statuses := map[string]int{"anonymous": w.s.Client(t).Do("GET", public, nil).Status}
			wantAll := map[string]int{"anonymous": want}
			for name, u := range viewers {
				statuses[name] = w.as(t, u).Do("GET", public, nil).Status
				wantAll[name] = want
			}
			if diff := cmp.Diff(wantAll, statuses); diff != "" {
				t.Errorf("GET %s by role (-want +got):\n%s", public, diff)
			}
			total := map[int]int64{http.StatusOK: 1, http.StatusNotFound: 0}[want]
			if page := w.list(t, ""); page.Total != total {
				t.Errorf("public list %+v, want %d items", page, total)
			}
		}

		if got := w.ownProduct(t, owner, p.ID); got.Status != "draft" || len(got.Specs) != 1 {
			t.Errorf("owner sees %+v, want the draft with its spec", got)
		}
		seen(t, http.StatusNotFound)
		w.s.Client(t).Do("GET", public, nil).ExpectProblem(t, http.StatusNotFound, "not_found")

		w.publish(t, owner, p.ID)
		seen(t, http.StatusOK)
		got := w.publicProduct(t, p.ID)
		if got.Status != "published" || got.Provider.ID != owner.ID || got.Name != "弹性云主机" {
			t.Errorf("public detail %+v", got)
		}

		var off product
		w.as(t, owner).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/unpublish", p.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &off)
		if off.Status != "unpublished" || off.Blocked {
			t.Errorf("unpublished by its provider: %+v", off)
		}
		seen(t, http.StatusNotFound)
		if got := w.ownProduct(t, owner, p.ID); got.Status != "unpublished" {
			t.Errorf("owner sees status %q, want unpublished", got.Status)
		}

		// Its provider may publish it again.
		w.publish(t, owner, p.ID)
		seen(t, http.StatusOK)
	})
}

func TestProviderStandingHidesItsProducts(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		rejected := w.s.NewUser(t, auth.RoleProvider)
		disabled := w.s.NewUser(t, auth.RoleProvider)
		kept := w.s.NewUser(t, auth.RoleProvider)
		products := map[int64]product{}
		for _, u := range []testkit.User{rejected, disabled, kept} {
			p := w.published(t, u, w.leaf.ID, "云主机"+u.Username, "", 1000)
			w.as(t, u).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/attachments", p.ID),
				testkit.Form{Files: map[string]testkit.FilePart{
					"file": {Name: "白皮书.pdf", Data: pdfFile()}}}).
				Expect(t, http.StatusCreated)
			products[u.ID] = w.publicProduct(t, p.ID)
		}
		if page := w.list(t, ""); page.Total != 3 {
			t.Fatalf("public list before: %d items, want 3", page.Total)
		}

		w.as(t, w.admin).Do("POST", fmt.Sprintf("/api/v1/admin/providers/%d/reject", rejected.ID),
			map[string]string{"reason": "资质过期"}).Expect(t, http.StatusOK)
		w.exec(t, "UPDATE users SET status = 'disabled' WHERE id = ?", disabled.ID)

		want := []int64{products[kept.ID].ID}
		if got := ids(w.list(t, "")); !cmp.Equal(want, got) {
			t.Errorf("public list %v, want only %v", got, want)
		}
		var page categoryPage
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/categories/%d", w.leaf.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &page)
		if len(page.Providers) != 1 || page.Providers[0].ID != kept.ID {
			t.Errorf("category providers %+v, want only %d", page.Providers, kept.ID)
		}
		c := w.s.Client(t)
		for _, u := range []testkit.User{rejected, disabled} {
			p := products[u.ID]
			c.Do("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), nil).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			c.Do("GET", p.Attachments[0].URL, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
			c.Do("GET", fmt.Sprintf("/api/v1/providers/%d", u.ID), nil).
				ExpectProblem(t, http.StatusNotFound, "not_found")
		}
		c.Do("GET", products[kept.ID].Attachments[0].URL, nil).Expect(t, http.StatusOK)

		// The rejected provider still sees its product, and cannot publish.
		own := w.ownProduct(t, rejected, products[rejected.ID].ID)
		if own.Status != "published" {
			t.Errorf("rejected provider's own view: status %q", own.Status)
		}
		w.as(t, rejected).Do("POST",
			fmt.Sprintf("/api/v1/provider/products/%d/publish", own.ID), nil).
			ExpectProblem(t, http.StatusConflict, "provider_not_approved")

		// Approved again, its published products are back.
		w.as(t, w.admin).Do("POST", fmt.Sprintf("/api/v1/admin/providers/%d/approve", rejected.ID),
			nil).Expect(t, http.StatusOK)
		w.publicProduct(t, own.ID)
		if page := w.list(t, ""); page.Total != 2 {
			t.Errorf("public list after approval: %d items, want 2", page.Total)
		}
	})
}

func TestProvidersCannotTouchOthersProducts(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		a, b := w.s.NewUser(t, auth.RoleProvider), w.s.NewUser(t, auth.RoleProvider)
		pub := w.published(t, b, w.leaf.ID, "B 的云主机", "", 5000)
		draft := w.draft(t, b, w.leaf.ID, "B 的草稿", "")
		var att attachment
		w.as(t, b).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/attachments", pub.ID),
			testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: "a.pdf", Data: pdfFile()}}}).
			Expect(t, http.StatusCreated).Decode(t, &att)
		before := w.ownProduct(t, b, pub.ID)
		sid := before.Specs[0].ID

		pdf := testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: "x.pdf", Data: pdfFile()}}}
		png := testkit.Form{Files: map[string]testkit.FilePart{
			"file": {Name: "x.png", Data: testkit.PNG(t, 128, 128)}}}
		own := func(id int64, rest string) string {
			return fmt.Sprintf("/api/v1/provider/products/%d%s", id, rest)
		}
		cases := []struct {
			name, method, path string
			body               any
		}{
			{"read published", "GET", own(pub.ID, ""), nil},
			{"read draft", "GET", own(draft.ID, ""), nil},
			{"edit", "PATCH", own(pub.ID, ""), map[string]string{"name": "被改名了"}},
			{"publish", "POST", own(draft.ID, "/publish"), nil},
			{"unpublish", "POST", own(pub.ID, "/unpublish"), nil},
			{"add spec", "POST", own(pub.ID, "/specs"),
				map[string]any{"name": "白送", "price_fen": 1, "billing_unit": "month"}},
			{"edit spec", "PATCH", fmt.Sprintf("/api/v1/provider/specs/%d", sid),
				map[string]any{"price_fen": 1}},
			{"deactivate spec", "DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", sid), nil},
			{"upload cover", "PUT", own(pub.ID, "/cover"), png},
			{"upload attachment", "POST", own(pub.ID, "/attachments"), pdf},
			{"delete attachment", "DELETE", fmt.Sprintf("/api/v1/provider/attachments/%d", att.ID), nil},
		}
		ac := w.as(t, a)
		for _, tc := range cases {
			r := ac.Do(tc.method, tc.path, tc.body)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s: %s %s answered %d, want 404: %s", tc.name, tc.method, tc.path,
					r.Status, r.Body)
				continue
			}
			r.ExpectProblem(t, http.StatusNotFound, "not_found")
		}

		if diff := cmp.Diff(before, w.ownProduct(t, b, pub.ID)); diff != "" {
			t.Errorf("B's product changed (-before +after):\n%s", diff)
		}
		if got := w.ownProduct(t, b, draft.ID); got.Status != "draft" {
			t.Errorf("B's draft is %q", got.Status)
		}
		var mine productPage
		ac.Do("GET", "/api/v1/provider/products", nil).Expect(t, http.StatusOK).Decode(t, &mine)
		if mine.Total != 0 || len(mine.Items) != 0 {
			t.Errorf("A's own list shows %+v", mine)
		}
	})
}

func TestPublishRules(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)

		// A provider not approved yet drafts but does not publish.
		pending := w.pendingProvider(t)
		early := w.draft(t, pending, w.leaf.ID, "待审产品", "")
		w.addSpec(t, pending, early.ID, 100)
		w.as(t, pending).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/publish", early.ID),
			nil).ExpectProblem(t, http.StatusConflict, "provider_not_approved")

		// Without an active spec there is nothing to sell.
		prov := w.s.NewUser(t, auth.RoleProvider)
		pc := w.as(t, prov)
		p := w.draft(t, prov, w.leaf.ID, "对象存储", "")
		publish := fmt.Sprintf("/api/v1/provider/products/%d/publish", p.ID)
		pe := pc.Do("POST", publish, nil).ExpectProblem(t, http.StatusUnprocessableEntity,
			"validation_failed")
		if len(pe.Errors) != 1 || pe.Errors[0].Field != "specs" {
			t.Errorf("publish without specs: errors %+v, want specs", pe.Errors)
		}
		sp := w.addSpec(t, prov, p.ID, 2500)
		pc.Do("DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", sp.ID), nil).Expect(t, http.StatusOK)
		pc.Do("POST", publish, nil).ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		pc.Do("PATCH", fmt.Sprintf("/api/v1/provider/specs/%d", sp.ID), map[string]bool{"active": true}).
			Expect(t, http.StatusOK)
		if got := w.publish(t, prov, p.ID); got.Status != "published" {
			t.Fatalf("published: %+v", got)
		}
		w.publish(t, prov, p.ID) // publishing a published product changes nothing

		// An admin takes it down with a reason.
		ac := w.as(t, w.admin)
		unpublish := fmt.Sprintf("/api/v1/admin/products/%d/unpublish", p.ID)
		ac.Do("POST", unpublish, map[string]string{}, testkit.Raw()).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		ac.Do("POST", unpublish, map[string]string{"reason": " "}).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		var down product
		ac.Do("POST", unpublish, map[string]string{"reason": "宣传内容与实际不符"}).
			Expect(t, http.StatusOK).Decode(t, &down)
		if down.Status != "unpublished" || !down.Blocked || down.BlockReason == nil ||
			*down.BlockReason != "宣传内容与实际不符" {
			t.Errorf("admin unpublish answered %+v", down)
		}
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		if page := w.list(t, ""); page.Total != 0 {
			t.Errorf("public list holds %d items after the admin's unpublish", page.Total)
		}
		n := w.count(t, "audit_logs", "action = ? AND target_type = ? AND target_id = ? AND "+
			"actor_id = ? AND detail = ?", "product.admin_unpublish", "product",
			fmt.Sprint(p.ID), w.admin.ID, "宣传内容与实际不符")
		if n != 1 {
			t.Errorf("%d audit rows product.admin_unpublish, want 1", n)
		}

		// The provider sees why and cannot publish until an admin unblocks.
		if own := w.ownProduct(t, prov, p.ID); !own.Blocked || own.BlockReason == nil {
			t.Errorf("provider's view after the admin's unpublish: %+v", own)
		}
		pc.Do("POST", publish, nil).ExpectProblem(t, http.StatusConflict, "unpublished_by_admin")
		var unblocked product
		ac.Do("POST", fmt.Sprintf("/api/v1/admin/products/%d/unblock", p.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &unblocked)
		if unblocked.Blocked || unblocked.BlockReason != nil || unblocked.Status != "unpublished" {
			t.Errorf("unblocked: %+v, want unpublished and no longer blocked", unblocked)
		}
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		w.publish(t, prov, p.ID)
		w.publicProduct(t, p.ID)
		if n := w.count(t, "audit_logs", "action = ?", "product.unblock"); n != 1 {
			t.Errorf("%d audit rows product.unblock, want 1", n)
		}

		ac.Do("POST", "/api/v1/admin/products/999999/unpublish", map[string]string{"reason": "不存在"}).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		pc.Do("POST", unpublish, map[string]string{"reason": "自己下架"}).
			ExpectProblem(t, http.StatusForbidden, "forbidden")
	})
}

func TestSpecRules(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)
		pc := w.as(t, prov)

		bounds := w.draft(t, prov, w.leaf.ID, "价格边界", "")
		specs := fmt.Sprintf("/api/v1/provider/products/%d/specs", bounds.ID)
		cases := []struct {
			name   string
			body   string
			status int
			code   string
			field  string
		}{
			{"zero price", `{"name":"基础版","price_fen":0,"billing_unit":"month"}`,
				422, "validation_failed", "price_fen"},
			{"negative price", `{"name":"基础版","price_fen":-1,"billing_unit":"month"}`,
				422, "validation_failed", "price_fen"},
			{"fractional price", `{"name":"基础版","price_fen":1.5,"billing_unit":"month"}`,
				400, "malformed_body", ""},
			{"price as text", `{"name":"基础版","price_fen":"100","billing_unit":"month"}`,
				400, "malformed_body", ""},
			{"price over the cap", `{"name":"基础版","price_fen":10000000001,"billing_unit":"month"}`,
				422, "validation_failed", "price_fen"},
			{"unknown billing unit", `{"name":"基础版","price_fen":100,"billing_unit":"week"}`,
				422, "validation_failed", "billing_unit"},
			{"no billing unit", `{"name":"基础版","price_fen":100}`,
				422, "validation_failed", "billing_unit"},
			{"no name", `{"price_fen":100,"billing_unit":"year"}`, 422, "validation_failed", "name"},
			{"blank name", `{"name":"   ","price_fen":100,"billing_unit":"year"}`,
				422, "validation_failed", "name"},
		}
		for _, tc := range cases {
			p := pc.Do("POST", specs, tc.body).
				ExpectProblem(t, tc.status, tc.code)
			if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
				t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
			}
		}
		for _, price := range []int64{1, 10_000_000_000} {
			if sp := w.addSpec(t, prov, bounds.ID, price); sp.PriceFen != price || !sp.Active {
				t.Errorf("spec at %d fen: %+v", price, sp)
			}
		}
		if got := w.ownProduct(t, prov, bounds.ID); len(got.Specs) != 2 {
			t.Errorf("refused specs were kept: %+v", got.Specs)
		}

		// Deactivating hides a spec from the public and moves the lowest price.
		p := w.draft(t, prov, w.leaf.ID, "弹性云主机", "")
		cheap := w.addSpec(t, prov, p.ID, 1000)
		mid := w.addSpec(t, prov, p.ID, 3000)
		var yearly spec
		pc.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/specs", p.ID),
			map[string]any{"name": "包年", "price_fen": 5000, "billing_unit": "year"}).
			Expect(t, http.StatusCreated).Decode(t, &yearly)
		w.publish(t, prov, p.ID)
		lowest(t, w, p.ID, 1000, cheap.ID, mid.ID, yearly.ID)

		var off spec
		pc.Do("DELETE", fmt.Sprintf("/api/v1/provider/specs/%d", cheap.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &off)
		if off.Active || off.ID != cheap.ID {
			t.Errorf("deactivated spec %+v", off)
		}
		lowest(t, w, p.ID, 3000, mid.ID, yearly.ID)
		own := w.ownProduct(t, prov, p.ID)
		var active []bool
		for _, s := range own.Specs {
			active = append(active, s.Active)
		}
		if diff := cmp.Diff([]bool{true, true, false}, active); len(own.Specs) != 3 || diff != "" {
			t.Errorf("provider's specs %+v: active first, the inactive one kept", own.Specs)
		}

		specPath := func(id int64) string { return fmt.Sprintf("/api/v1/provider/specs/%d", id) }
		pc.Do("PATCH", specPath(cheap.ID), map[string]bool{"active": true}).Expect(t, http.StatusOK)
		lowest(t, w, p.ID, 1000, cheap.ID, mid.ID, yearly.ID)

		var cheaper spec
		pc.Do("PATCH", specPath(yearly.ID), map[string]any{"price_fen": 500, "name": "包年特惠"}).
			Expect(t, http.StatusOK).Decode(t, &cheaper)
		if cheaper.PriceFen != 500 || cheaper.Name != "包年特惠" || cheaper.BillingUnit != "year" {
			t.Errorf("edited spec %+v", cheaper)
		}
		lowest(t, w, p.ID, 500, yearly.ID, cheap.ID, mid.ID)

		for _, body := range []map[string]any{{"price_fen": 0}, {"price_fen": -5},
			{"price_fen": 10_000_000_001}, {"billing_unit": "day"}, {"name": ""}} {
			pc.Do("PATCH", specPath(mid.ID), body, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		}
		pc.Do("PATCH", specPath(mid.ID), `{"price_fen":2.5}`).
			ExpectProblem(t, http.StatusBadRequest, "malformed_body")
		pc.Do("PATCH", specPath(999999), map[string]any{"price_fen": 100}).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		pc.Do("DELETE", specPath(999999), nil).ExpectProblem(t, http.StatusNotFound, "not_found")
	})
}

// lowest checks a public product's lowest price, in its detail and in the
// list, and the ids of the specs the public sees, in order.
func lowest(t *testing.T, w *world, id, price int64, specIDs ...int64) {
	t.Helper()
	p := w.publicProduct(t, id)
	var got []int64
	for _, s := range p.Specs {
		got = append(got, s.ID)
		if !s.Active {
			t.Errorf("public detail lists inactive spec %+v", s)
		}
	}
	if diff := cmp.Diff(specIDs, got); diff != "" {
		t.Errorf("public specs (-want +got):\n%s", diff)
	}
	if p.LowestPriceFen == nil || *p.LowestPriceFen != price {
		t.Errorf("detail lowest_price_fen %v, want %d", p.LowestPriceFen, price)
	}
	for _, item := range w.list(t, "").Items {
		if item.ID == id && (item.LowestPriceFen == nil || *item.LowestPriceFen != price) {
			t.Errorf("list lowest_price_fen %v, want %d", item.LowestPriceFen, price)
		}
	}
}

func TestProductFieldRules(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)
		pc := w.as(t, prov)
		other := w.category(t, "云存储", w.top.ID)

		cases := []struct {
			name     string
			category int64
			product  string
			field    string
		}{
			{"one character", w.leaf.ID, "云", "name"},
			{"101 characters", w.leaf.ID, strings.Repeat("云", 101), "name"},
			{"blank", w.leaf.ID, "  ", "name"},
			{"two lines", w.leaf.ID, "云主机\n第二行", "name"},
			{"top-level category", w.top.ID, "云主机", "category_id"},
			{"unknown category", 999999, "云主机", "category_id"},
		}
		for _, tc := range cases {
			p := pc.Do("POST", "/api/v1/provider/products", map[string]any{
				"category_id": tc.category, "name": tc.product}).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
			}
		}
		pc.Do("POST", "/api/v1/provider/products", map[string]any{"name": "云主机"}, testkit.Raw()).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")

		for _, name := range []string{"云盘", strings.Repeat("云", 100)} {
			if p := w.draft(t, prov, w.leaf.ID, name, ""); p.Name != name || p.Status != "draft" {
				t.Errorf("draft %q answered %+v", name, p)
			}
		}

		p := w.draft(t, prov, w.leaf.ID, "  弹性云主机  ", "  按需付费  ")
		if p.Name != "弹性云主机" || p.Summary != "按需付费" || p.Specs == nil || p.Attachments == nil {
			t.Errorf("draft %+v: want trimmed text and empty lists", p)
		}
		edit := fmt.Sprintf("/api/v1/provider/products/%d", p.ID)
		for _, body := range []map[string]any{{"name": "云"}, {"category_id": w.top.ID},
			{"category_id": 999999}, {"summary": strings.Repeat("长", 301)}} {
			pc.Do("PATCH", edit, body).ExpectProblem(t, http.StatusUnprocessableEntity,
				"validation_failed")
		}
		var moved product
		pc.Do("PATCH", edit, map[string]any{"category_id": other.ID, "name": "云存储网关"}).
			Expect(t, http.StatusOK).Decode(t, &moved)
		if moved.CategoryID != other.ID || moved.Name != "云存储网关" || moved.Summary != "按需付费" {
			t.Errorf("edited product %+v", moved)
		}
	})
}
