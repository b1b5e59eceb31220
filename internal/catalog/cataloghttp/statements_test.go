package cataloghttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// statements counts the SQL statements GORM runs on a database while it
// is armed.
type statements struct {
	armed atomic.Bool
	n     atomic.Int64
}

// countStatements registers a counter on every kind of statement of db.
// Registering changes db's callbacks, so no request may run meanwhile.
func countStatements(t *testing.T, db *gorm.DB) *statements {
	t.Helper()
	c := &statements{}
	count := func(*gorm.DB) {
		if c.armed.Load() {
			c.n.Add(1)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:count", count),
		cb.Row().After("gorm:row").Register("test:count", count),
		cb.Raw().After("gorm:raw").Register("test:count", count),
		cb.Create().After("gorm:create").Register("test:count", count),
		cb.Update().After("gorm:update").Register("test:count", count),
		cb.Delete().After("gorm:delete").Register("test:count", count),
	} {
		if err != nil {
			t.Fatalf("register statement counter: %v", err)
		}
	}
	return c
}

// during returns how many statements answering GET path took.
func (c *statements) during(t *testing.T, s *testkit.Server, path string) int64 {
	t.Helper()
	c.n.Store(0)
	c.armed.Store(true)
	s.Client(t).Do("GET", path, nil).Expect(t, http.StatusOK)
	c.armed.Store(false)
	return c.n.Load()
}

// The public reads run a fixed number of statements, however many rows
// they answer with. The test is sequential on its server so that only
// the measured request is counted.
func TestPublicReadsRunFixedStatements(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		solo := w.category(t, "云备份", w.top.ID)
		wide := w.category(t, "云存储", w.top.ID)
		provs := []testkit.User{w.s.NewUser(t, auth.RoleProvider), w.s.NewUser(t, auth.RoleProvider),
			w.s.NewUser(t, auth.RoleProvider)}
		lean := w.published(t, provs[0], solo.ID, "单规格产品", "", 1000)
		rich := w.draft(t, provs[0], wide.ID, "多规格产品", "")
		for _, price := range []int64{1000, 2000, 3000, 4000} {
			w.addSpec(t, provs[0], rich.ID, price)
		}
		for i := range 3 {
			w.as(t, provs[0]).Do("POST",
				fmt.Sprintf("/api/v1/provider/products/%d/attachments", rich.ID),
				fileForm(fmt.Sprintf("doc%d.pdf", i), pdfFile())).Expect(t, http.StatusCreated)
		}
		w.publish(t, provs[0], rich.ID)
		for i, u := range provs[1:] {
			w.published(t, u, wide.ID, fmt.Sprintf("存储%d", i), "", 500)
		}
		for i := range 17 {
			w.published(t, provs[i%3], w.leaf.ID, fmt.Sprintf("云主机%d", i), "", int64(100+i))
		}

		c := countStatements(t, w.s.App.DB)
		check := func(what string, paths ...string) {
			t.Helper()
			counts := make([]int64, len(paths))
			for i, p := range paths {
				counts[i] = c.during(t, w.s, p)
			}
			for i := range counts {
				if counts[i] != counts[0] || counts[i] == 0 {
					t.Errorf("%s: statements %v for %v, want one fixed number", what, counts, paths)
					break
				}
			}
			t.Logf("%s: %d statements", what, counts[0])
		}

		if page := w.list(t, "?page_size=20"); len(page.Items) != 20 {
			t.Fatalf("the list holds %d products, want at least 20", len(page.Items))
		}
		check("product list", "/api/v1/products?page_size=1", "/api/v1/products?page_size=5",
			"/api/v1/products?page_size=20",
			"/api/v1/products?page_size=20&sort=rating&q="+url.QueryEscape("云"))
		if got := w.publicProduct(t, rich.ID); len(got.Specs) != 4 || len(got.Attachments) != 3 {
			t.Fatalf("rich product %+v", got)
		}
		check("product detail", fmt.Sprintf("/api/v1/products/%d", lean.ID),
			fmt.Sprintf("/api/v1/products/%d", rich.ID))
		for id, want := range map[int64]int{solo.ID: 1, wide.ID: 3} {
			var page categoryPage
			w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/categories/%d", id), nil).
				Expect(t, http.StatusOK).Decode(t, &page)
			if len(page.Providers) != want {
				t.Fatalf("category %d lists %d providers, want %d", id, len(page.Providers), want)
			}
		}
		check("category page", fmt.Sprintf("/api/v1/categories/%d", solo.ID),
			fmt.Sprintf("/api/v1/categories/%d", wide.ID))
	})
}
