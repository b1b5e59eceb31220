package cataloghttp_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

func TestCategoryTree(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		admin := s.NewUser(t, auth.RoleAdmin)
		ac := s.Client(t).As(admin.Access)
		create := func(body map[string]any) node {
			t.Helper()
			var n node
			ac.Do("POST", "/api/v1/admin/categories", body).Expect(t, http.StatusCreated).Decode(t, &n)
			return n
		}

		apps := create(map[string]any{"name": "云应用", "sort_order": 2})
		infra := create(map[string]any{"name": "云基础设施", "introduction": "算力与存储", "sort_order": 1})
		vm := create(map[string]any{"name": "云主机", "parent_id": infra.ID, "sort_order": 2})
		storage := create(map[string]any{"name": "云存储", "parent_id": infra.ID, "sort_order": 1})
		mail := create(map[string]any{"name": "企业邮箱", "parent_id": apps.ID})
		if vm.ParentID == nil || *vm.ParentID != infra.ID || vm.Children == nil || infra.ParentID != nil {
			t.Errorf("created %+v under %+v: want parent_id set, children []", vm, infra)
		}

		refused := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"third level", map[string]any{"name": "GPU 云主机", "parent_id": vm.ID}, "parent_id"},
			{"unknown parent", map[string]any{"name": "孤儿", "parent_id": 999999}, "parent_id"},
			{"blank name", map[string]any{"name": "  "}, "name"},
			{"long name", map[string]any{"name": strings.Repeat("类", 51)}, "name"},
		}
		for _, tc := range refused {
			p := ac.Do("POST", "/api/v1/admin/categories", tc.body).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
			}
		}
		ent := s.NewUser(t, auth.RoleEnterprise)
		s.Client(t).As(ent.Access).Do("POST", "/api/v1/admin/categories",
			map[string]any{"name": "越权"}).ExpectProblem(t, http.StatusForbidden, "forbidden")
		s.Client(t).Do("POST", "/api/v1/admin/categories", map[string]any{"name": "匿名"}).
			ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")

		leaf := func(n node) node { n.Children = []node{}; return n }
		withChildren := func(n node, children ...node) node { n.Children = children; return n }
		tree := func() []node {
			var got []node
			s.Client(t).Do("GET", "/api/v1/categories", nil).Expect(t, http.StatusOK).Decode(t, &got)
			return got
		}
		want := []node{
			withChildren(infra, leaf(storage), leaf(vm)),
			withChildren(apps, leaf(mail)),
		}
		if diff := cmp.Diff(want, tree()); diff != "" {
			t.Errorf("tree (-want +got):\n%s", diff)
		}

		// Edits: a new name and introduction, and an order that moves 云存储
		// after 云主机.
		var edited node
		ac.Do("PATCH", fmt.Sprintf("/api/v1/admin/categories/%d", storage.ID), map[string]any{
			"name": "云存储服务", "introduction": "对象存储与文件存储", "sort_order": 3}).
			Expect(t, http.StatusOK).Decode(t, &edited)
		storage.Name, storage.Introduction, storage.SortOrder = "云存储服务", "对象存储与文件存储", 3
		if diff := cmp.Diff(leaf(storage), edited); diff != "" {
			t.Errorf("edit answered (-want +got):\n%s", diff)
		}
		want[0] = withChildren(infra, leaf(vm), leaf(storage))
		if diff := cmp.Diff(want, tree()); diff != "" {
			t.Errorf("tree after the edit (-want +got):\n%s", diff)
		}
		ac.Do("PATCH", fmt.Sprintf("/api/v1/admin/categories/%d", storage.ID),
			map[string]any{"name": ""}).ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		ac.Do("PATCH", "/api/v1/admin/categories/999999", map[string]any{"name": "无"}).
			ExpectProblem(t, http.StatusNotFound, "not_found")
	})
}

func TestCategoryDelete(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)
		empty := w.category(t, "云备份", w.top.ID)
		w.draft(t, prov, w.leaf.ID, "草稿也算", "")
		ac := w.as(t, w.admin)
		del := func(id int64) *testkit.Response {
			return ac.Do("DELETE", fmt.Sprintf("/api/v1/admin/categories/%d", id), nil)
		}

		del(w.top.ID).ExpectProblem(t, http.StatusConflict, "invalid_transition")
		del(w.leaf.ID).ExpectProblem(t, http.StatusConflict, "invalid_transition")
		del(empty.ID).Expect(t, http.StatusNoContent)
		del(empty.ID).ExpectProblem(t, http.StatusNotFound, "not_found")
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/categories/%d", empty.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")

		var tree []node
		w.s.Client(t).Do("GET", "/api/v1/categories", nil).Expect(t, http.StatusOK).Decode(t, &tree)
		if len(tree) != 1 || len(tree[0].Children) != 1 || tree[0].Children[0].ID != w.leaf.ID {
			t.Errorf("tree after deleting %d: %+v", empty.ID, tree)
		}
		lone := w.category(t, "空的一级分类", 0)
		del(lone.ID).Expect(t, http.StatusNoContent)
		if n := w.count(t, "audit_logs", "action = ?", "category.delete"); n != 2 {
			t.Errorf("%d audit rows category.delete, want 2", n)
		}
	})
}

func TestCategoryImage(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		ac := w.as(t, w.admin)
		put := func(id int64, name string, data []byte) *testkit.Response {
			return ac.Do("PUT", fmt.Sprintf("/api/v1/admin/categories/%d/image", id),
				testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: name, Data: data}}})
		}
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/categories/%d/image", w.leaf.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")

		img := testkit.PNG(t, 320, 200)
		var got node
		put(w.leaf.ID, "云主机.png", img).Expect(t, http.StatusOK).Decode(t, &got)
		wantURL := fmt.Sprintf("/api/v1/categories/%d/image", w.leaf.ID)
		if got.ImageURL == nil || *got.ImageURL != wantURL {
			t.Fatalf("image_url %v, want %s", got.ImageURL, wantURL)
		}
		var tree []node
		w.s.Client(t).Do("GET", "/api/v1/categories", nil).Expect(t, http.StatusOK).Decode(t, &tree)
		url := tree[0].Children[0].ImageURL
		if url == nil || *url != wantURL || tree[0].ImageURL != nil {
			t.Fatalf("tree %+v: want the leaf's image_url only", tree)
		}
		download(t, w.s.Client(t), *url, img, "image/png")

		// A new image replaces the old one; files that are no image are refused.
		photo := testkit.JPEG(t, 200, 200)
		put(w.leaf.ID, "photo.jpg", photo).Expect(t, http.StatusOK)
		download(t, w.s.Client(t), wantURL, photo, "image/jpeg")
		put(w.leaf.ID, "fake.png", []byte(strings.Repeat("not an image\n", 20))).
			ExpectProblem(t, http.StatusUnprocessableEntity, "unsupported_file_type")
		put(w.leaf.ID, "tiny.png", testkit.PNG(t, 16, 16)).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		put(999999, "x.png", img).ExpectProblem(t, http.StatusNotFound, "not_found")
		download(t, w.s.Client(t), wantURL, photo, "image/jpeg")
	})
}

// download fetches url and checks it is want, served as a download of
// type contentType.
func download(t *testing.T, c *testkit.Client, url string, want []byte, contentType string) {
	t.Helper()
	r := c.Do("GET", url, nil).Expect(t, http.StatusOK)
	if !bytes.Equal(r.Body, want) {
		t.Errorf("GET %s: %d bytes differ from the %d uploaded", url, len(r.Body), len(want))
	}
	if got := r.Header.Get("Content-Type"); got != contentType {
		t.Errorf("GET %s: Content-Type %q, want %q", url, got, contentType)
	}
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q", url, got)
	}
	if got := r.Header.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment;") {
		t.Errorf("GET %s: Content-Disposition %q", url, got)
	}
}

func TestCategoryPageListsProviders(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		elsewhere := w.category(t, "云存储", w.top.ID)
		big, small := w.s.NewUser(t, auth.RoleProvider), w.s.NewUser(t, auth.RoleProvider)
		dropped, away := w.s.NewUser(t, auth.RoleProvider), w.s.NewUser(t, auth.RoleProvider)

		// big: two public products (lowest 1200), plus a draft and one it
		// took down, both cheaper, which do not count.
		logo := testkit.PNG(t, 96, 96)
		w.as(t, big).Do("PUT", "/api/v1/provider/profile/logo",
			testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: "logo.png", Data: logo}}}).
			Expect(t, http.StatusOK)
		first := w.published(t, big, w.leaf.ID, "云主机标准型", "", 3000, 9000)
		w.published(t, big, w.leaf.ID, "云主机经济型", "", 1200)
		cheap := w.draft(t, big, w.leaf.ID, "云主机草稿", "")
		w.addSpec(t, big, cheap.ID, 100)
		down := w.published(t, big, w.leaf.ID, "云主机旧款", "", 50)
		w.as(t, big).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/unpublish", down.ID), nil).
			Expect(t, http.StatusOK)
		// small: one product; dropped: rejected after publishing; away:
		// another category only.
		w.published(t, small, w.leaf.ID, "云主机入门", "", 8000)
		w.published(t, dropped, w.leaf.ID, "云主机特价", "", 10)
		w.as(t, w.admin).Do("POST", fmt.Sprintf("/api/v1/admin/providers/%d/reject", dropped.ID),
			map[string]string{"reason": "资质不全"}).Expect(t, http.StatusOK)
		w.published(t, away, elsewhere.ID, "对象存储", "", 20)
		pending := w.pendingProvider(t)
		late := w.draft(t, pending, w.leaf.ID, "待审的云主机", "")
		w.addSpec(t, pending, late.ID, 30)

		logoURL := fmt.Sprintf("/api/v1/providers/%d/logo", big.ID)
		want := []categoryProvider{
			{ID: big.ID, Name: first.Provider.Name, LogoURL: &logoURL, ProductCount: 2,
				LowestPriceFen: ptr[int64](1200)},
			{ID: small.ID, Name: w.publicProvider(t, small.ID).Name, ProductCount: 1,
				LowestPriceFen: ptr[int64](8000)},
		}
		slices.SortFunc(want, func(a, b categoryProvider) int { return strings.Compare(a.Name, b.Name) })

		var page categoryPage
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/categories/%d", w.leaf.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &page)
		if diff := cmp.Diff(want, page.Providers); diff != "" {
			t.Errorf("providers (-want +got):\n%s", diff)
		}
		if page.ID != w.leaf.ID || page.Name != "云主机" || page.Introduction != "云主机的介绍" ||
			page.ParentID == nil || *page.ParentID != w.top.ID {
			t.Errorf("category page %+v", page.node)
		}
		download(t, w.s.Client(t), logoURL, logo, "image/png")

		// A category without public products lists none, as [].
		var top categoryPage
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/categories/%d", w.top.ID), nil).
			Expect(t, http.StatusOK).Decode(t, &top)
		var children []int64
		for _, ch := range top.Children {
			children = append(children, ch.ID)
		}
		if diff := cmp.Diff([]int64{w.leaf.ID, elsewhere.ID}, children); diff != "" ||
			top.Providers == nil || len(top.Providers) != 0 {
			t.Errorf("top-level page %+v: want providers [] and its children (-want +got):\n%s",
				top, diff)
		}
		w.s.Client(t).Do("GET", "/api/v1/categories/999999", nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
	})
}

func TestProviderDecisions(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		ac := w.as(t, w.admin)
		first, second := w.pendingProvider(t), w.pendingProvider(t)
		decide := func(u testkit.User, action string, body any,
			opts ...testkit.Option) *testkit.Response {
			return ac.Do("POST", fmt.Sprintf("/api/v1/admin/providers/%d/%s", u.ID, action),
				body, opts...)
		}

		var got provider
		decide(first, "approve", nil).Expect(t, http.StatusOK).Decode(t, &got)
		if got.Status != "approved" || got.ID != first.ID {
			t.Errorf("approve answered %+v", got)
		}
		p := decide(first, "approve", nil).ExpectProblem(t, http.StatusConflict, "invalid_transition")
		if p.Detail == "" {
			t.Error("second approval: problem without detail")
		}

		decide(second, "reject", map[string]string{}, testkit.Raw()).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		decide(second, "reject", nil, testkit.Raw()).
			ExpectProblem(t, http.StatusBadRequest, "malformed_body")
		decide(second, "reject", map[string]string{"reason": "x"}).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		decide(second, "reject", map[string]string{"reason": "营业执照已过期"}).
			Expect(t, http.StatusOK).Decode(t, &got)
		if got.Status != "rejected" || got.StatusReason == nil || *got.StatusReason != "营业执照已过期" {
			t.Errorf("reject answered %+v", got)
		}
		decide(second, "reject", map[string]string{"reason": "再拒一次"}).
			ExpectProblem(t, http.StatusConflict, "invalid_transition")

		// The provider reads its standing; the public does not see it.
		var own provider
		w.as(t, second).Do("GET", "/api/v1/provider/profile", nil).
			Expect(t, http.StatusOK).Decode(t, &own)
		if own.Status != "rejected" || own.StatusReason == nil {
			t.Errorf("rejected provider's profile %+v", own)
		}
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/providers/%d", second.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/providers/%d", first.ID), nil).
			Expect(t, http.StatusOK)

		// Approving a rejected provider is a decision too.
		var again provider
		decide(second, "approve", nil).Expect(t, http.StatusOK).Decode(t, &again)
		if again.Status != "approved" || again.StatusReason != nil {
			t.Errorf("approval after rejection answered %+v", again)
		}

		ent := w.s.NewUser(t, auth.RoleEnterprise)
		decide(ent, "approve", nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		ac.Do("POST", "/api/v1/admin/providers/999999/approve", nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		w.as(t, first).Do("POST", fmt.Sprintf("/api/v1/admin/providers/%d/approve", second.ID), nil).
			ExpectProblem(t, http.StatusForbidden, "forbidden")

		counts := map[string]int64{}
		for _, u := range []testkit.User{first, second} {
			for _, action := range []string{"provider.approve", "provider.reject"} {
				counts[fmt.Sprintf("%s %s", u.Username, action)] = w.count(t, "audit_logs",
					"action = ? AND target_type = ? AND target_id = ? AND actor_id = ?",
					action, "user", fmt.Sprint(u.ID), w.admin.ID)
			}
			counts[u.Username+" mail"] = w.count(t, "outbox_messages", "to_addr = ?", email(u))
		}
		want := map[string]int64{
			first.Username + " provider.approve": 1, first.Username + " provider.reject": 0,
			first.Username + " mail":              1,
			second.Username + " provider.approve": 1, second.Username + " provider.reject": 1,
			second.Username + " mail": 2,
		}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("audit rows and mails (-want +got):\n%s", diff)
		}
		var reason string
		w.s.App.DB.Raw("SELECT detail FROM audit_logs WHERE action = ?", "provider.reject").Scan(&reason)
		if reason != "营业执照已过期" {
			t.Errorf("rejection audited with detail %q", reason)
		}
	})
}
