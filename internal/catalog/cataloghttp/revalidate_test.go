package cataloghttp_test

import (
	"fmt"
	"net/http"
	"testing"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// The public JSON reads carry an ETag and Cache-Control; a client naming
// the current tag in If-None-Match gets 304 without a body, and a change
// to what the answer shows gives a new tag.
func TestPublicReadsRevalidate(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)
		p := w.published(t, prov, w.leaf.ID, "云主机基础版", "按月付费", 9900)
		c := w.s.Client(t)
		paths := []string{"/api/v1/categories", fmt.Sprintf("/api/v1/categories/%d", w.leaf.ID),
			fmt.Sprintf("/api/v1/providers/%d", prov.ID),
			fmt.Sprintf("/api/v1/products?category_id=%d", w.leaf.ID),
			fmt.Sprintf("/api/v1/products/%d", p.ID)}
		tags := map[string]string{}
		for _, path := range paths {
			r := c.Do("GET", path, nil).Expect(t, http.StatusOK)
			tag := r.Header.Get("ETag")
			if len(tag) < 3 || tag[0] != '"' || r.Header.Get("Cache-Control") != "public, max-age=60" {
				t.Fatalf("%s: ETag %q, Cache-Control %q", path, tag, r.Header.Get("Cache-Control"))
			}
			tags[path] = tag
			for _, held := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
				r := c.Do("GET", path, nil, testkit.Header("If-None-Match", held)).
					Expect(t, http.StatusNotModified)
				if len(r.Body) != 0 || r.Header.Get("ETag") != tag {
					t.Errorf("%s with If-None-Match %s: body %q, ETag %q", path, held, r.Body,
						r.Header.Get("ETag"))
				}
			}
			c.Do("GET", path, nil, testkit.Header("If-None-Match", `"other"`)).
				Expect(t, http.StatusOK)
		}

		// A cheaper spec changes the product, its list and its category page.
		w.addSpec(t, prov, p.ID, 5900)
		for _, path := range paths[1:] {
			if path == paths[2] {
				continue // the provider's profile does not show prices
			}
			r := c.Do("GET", path, nil, testkit.Header("If-None-Match", tags[path])).
				Expect(t, http.StatusOK)
			if r.Header.Get("ETag") == tags[path] {
				t.Errorf("%s: the ETag stayed %s after the price changed", path, tags[path])
			}
		}

		// Problems are never tagged nor kept.
		r := c.Do("GET", "/api/v1/products/999999", nil, testkit.Header("If-None-Match", "*"))
		r.ExpectProblem(t, http.StatusNotFound, "not_found")
		if r.Header.Get("ETag") != "" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("404: ETag %q, Cache-Control %q", r.Header.Get("ETag"),
				r.Header.Get("Cache-Control"))
		}
	})
}
